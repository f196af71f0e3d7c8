// The restore itself: walk the keys, decide for each what brings it back to its state at TIME, and
// do it (or, in a dry run, only say it) with a few requests in flight at once.
import type { S3Client } from '@aws-sdk/client-s3';
import { describeError, isConnectionLevelError } from '../connection.js';
import { TaskPool } from '../task-pool.js';
import { copyVersion, writeDeleteMarker } from './apply.js';
import { isSameObject, type ObjectRef } from './compare.js';
import { currentObjects, keyHistories, keyStates, type KeyState, type VersionEntry } from './history.js';

/**
 * Requests (copies, deletes, comparisons) in flight at once. The server does the copying, so more
 * than a few only queue behind its disks; a handful hides the round trips of small objects.
 */
export const RESTORE_REQUESTS_IN_FLIGHT_MAX = 4;

export interface RestorePlan {
  sourceBucket: string;
  /** Where the state at TIME is written: the source bucket itself, or another (--target). */
  targetBucket: string;
  prefix: string;
  timeMs: number;
  dryRun: boolean;
  /** Versions larger than this are copied in parts (UploadPartCopy). */
  multipartThresholdBytes: number;
}

export interface RestoreCounts {
  keysScanned: number;
  /** Keys given back the version current at TIME (in a dry run: keys that would be). */
  restored: number;
  /** Keys given a delete marker, because they did not exist at TIME (in a dry run: would be). */
  deleted: number;
  unchanged: number;
  errors: number;
  /** Bytes of the versions restored (copied by the server, never through this client). */
  bytesCopied: number;
}

export type RestoreAction = { kind: 'restore'; key: string; version: VersionEntry } | { kind: 'delete'; key: string };

export interface RestoreEvents {
  /** A dry run's planned action. */
  planned(action: RestoreAction): void;
  /** A key that could not be restored (the restore goes on with the others). */
  failed(key: string, message: string): void;
}

type QuickDecision = 'unchanged' | 'restore' | 'delete' | 'compare';

export function emptyCounts(): RestoreCounts {
  return { keysScanned: 0, restored: 0, deleted: 0, unchanged: 0, errors: 0, bytesCopied: 0 };
}

export class Restore {
  readonly counts: RestoreCounts = emptyCounts();
  /** The first error that makes going on pointless (server unreachable, credentials refused). */
  private fatalError: unknown;

  constructor(private readonly s3: S3Client, private readonly plan: RestorePlan, private readonly events: RestoreEvents, private readonly endpoint: string) {}

  private get inPlace(): boolean {
    return this.plan.targetBucket === this.plan.sourceBucket;
  }

  /** Walks every key; throws on a listing failure or a connection-level error (after in-flight work ends). */
  async run(): Promise<void> {
    const pool = new TaskPool(RESTORE_REQUESTS_IN_FLIGHT_MAX, (error) => this.recordError('(unknown key)', error));
    const histories = keyHistories(this.s3, this.plan.sourceBucket, this.plan.prefix, this.plan.timeMs);
    const targetObjects = this.inPlace ? undefined : currentObjects(this.s3, this.plan.targetBucket, this.plan.prefix);
    try {
      for await (const state of keyStates(histories, targetObjects)) {
        if (this.fatalError !== undefined) break;
        this.counts.keysScanned += 1;
        const decision = this.quickDecision(state);
        if (decision === 'unchanged') this.counts.unchanged += 1;
        else await pool.submit(() => this.restoreKey(state, decision));
      }
    } finally {
      await pool.drain();
    }
    if (this.fatalError !== undefined) throw this.fatalError;
  }

  /** The version the key should show: the one current at TIME, unless it was absent or deleted then. */
  private wanted(state: KeyState): VersionEntry | undefined {
    const atTime = state.history?.atTime;
    return atTime === undefined || atTime.isDeleteMarker ? undefined : atTime;
  }

  /** What the key shows now where the restore writes. */
  private present(state: KeyState): ObjectRef | undefined {
    if (!this.inPlace) return state.targetObject === undefined ? undefined : { bucket: this.plan.targetBucket, ...state.targetObject };
    const latest = state.history!.latest;
    return latest.isDeleteMarker ? undefined : { bucket: this.plan.sourceBucket, ...latest };
  }

  private quickDecision(state: KeyState): QuickDecision {
    const wanted = this.wanted(state);
    const present = this.present(state);
    if (wanted === undefined) return present === undefined ? 'unchanged' : 'delete';
    if (present === undefined) return 'restore';
    if (this.inPlace && present.versionId === wanted.versionId) return 'unchanged';
    return 'compare';
  }

  private async restoreKey(state: KeyState, decision: Exclude<QuickDecision, 'unchanged'>): Promise<void> {
    try {
      const wanted = this.wanted(state);
      if (decision === 'compare' && (await isSameObject(this.s3, { bucket: this.plan.sourceBucket, ...wanted! }, this.present(state)!))) {
        this.counts.unchanged += 1;
        return;
      }
      const action: RestoreAction = decision === 'delete' ? { kind: 'delete', key: state.key } : { kind: 'restore', key: state.key, version: wanted! };
      if (this.plan.dryRun) this.events.planned(action);
      else await this.perform(action);
      if (action.kind === 'delete') {
        this.counts.deleted += 1;
      } else {
        this.counts.restored += 1;
        this.counts.bytesCopied += action.version.sizeBytes;
      }
    } catch (error) {
      this.recordError(state.key, error);
    }
  }

  private async perform(action: RestoreAction): Promise<void> {
    if (action.kind === 'delete') {
      await writeDeleteMarker(this.s3, this.plan.targetBucket, action.key);
      return;
    }
    await copyVersion(this.s3, {
      sourceBucket: this.plan.sourceBucket,
      key: action.key,
      versionId: action.version.versionId,
      sizeBytes: action.version.sizeBytes,
      storageClass: action.version.storageClass,
      destinationBucket: this.plan.targetBucket,
      multipartThresholdBytes: this.plan.multipartThresholdBytes,
    });
  }

  private recordError(key: string, error: unknown): void {
    if (isConnectionLevelError(error)) {
      this.fatalError ??= error;
      return;
    }
    this.counts.errors += 1;
    this.events.failed(key, describeError(error, this.endpoint));
  }
}
