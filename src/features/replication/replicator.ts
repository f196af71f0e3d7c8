// The replication job: drains each replication queue (one per source bucket and destination, rows
// written in the same index transaction as the change they describe: src/index/sqlite/events.ts)
// in queue order, so a destination receives a key's versions in the order they were made. A row
// is removed only after its change reached the destination (or was refused for good: status
// FAILED), so a destination that is down, or a kill -9 of Cairn, skips nothing: the rows wait, the
// job backs off, and the destination catches up when it answers again (at least once: a change in
// flight at a crash is sent again, and the destination keeps one copy per version id).
import type { Index, QueuedEvent, ReplicationConfiguration } from '../../index/types.js';
import { REPLICATION_QUEUE_PREFIX } from '../../index/settings/replication.js';
import { FailureLog } from '../../services/jobs/failure-log.js';
import { JobRunner } from '../../services/jobs/runner.js';
import type { ChangeKind, StatusChange, VersionReplicator } from './version-replicator.js';

/** Changes read at once per queue (and so the most a crash can make a destination receive twice). */
export const REPLICATION_BATCH_CHANGES_MAX = 100;
const BATCHES_PER_PASS_MAX = 20;
const POLL_INTERVAL_MS = 100;
const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 30_000;

interface QueueState {
  attempts: number;
  nextAttemptAtMs: number;
}

function changeKind(eventName: string): ChangeKind {
  if (eventName.startsWith('ObjectCreated:')) return 'version';
  if (eventName === 'ObjectRemoved:DeleteMarkerCreated') return 'delete-marker';
  return 'tags';
}

export class Replicator {
  private readonly states = new Map<string, QueueState>();
  private readonly runner: JobRunner<true>;

  constructor(
    private readonly index: Index, private readonly versions: VersionReplicator,
    private readonly settings: { backoffBaseMs?: number; log: (line: string) => void },
  ) {
    const failures = new FailureLog('replication', settings.log);
    this.runner = new JobRunner<true>({
      name: 'replication',
      pollIntervalMs: POLL_INTERVAL_MS,
      next: async () => true,
      pass: async (_work, context) => {
        await this.pass(context.signal);
        failures.succeeded();
      },
      // Every 100 ms while the index is away: the first failure, then a line a minute, then the recovery.
      onError: (error) => failures.failed(error),
    });
  }

  start(): this {
    this.runner.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  private async pass(signal: AbortSignal): Promise<void> {
    const queues = (await this.index.readEventQueueStats()).filter((queue) => queue.target.startsWith(REPLICATION_QUEUE_PREFIX));
    await Promise.all(queues.map((queue) => this.drain(queue.target, signal)));
  }

  private async drain(queue: string, signal: AbortSignal): Promise<void> {
    let state = this.states.get(queue);
    if (state === undefined) this.states.set(queue, (state = { attempts: 0, nextAttemptAtMs: 0 }));
    const [sourceBucket, destinationBucket] = queue.slice(REPLICATION_QUEUE_PREFIX.length).split('/') as [string, string];
    for (let round = 0; round < BATCHES_PER_PASS_MAX && !signal.aborted && Date.now() >= state.nextAttemptAtMs; round++) {
      const changes = await this.index.readEventQueue(queue, REPLICATION_BATCH_CHANGES_MAX);
      if (changes.length === 0) return;
      const configuration = await this.index.readBucketSetting(sourceBucket, 'replication');
      const failure = await this.replicateBatch(queue, configuration, sourceBucket, destinationBucket, changes);
      if (failure === undefined) {
        state.attempts = 0;
        continue;
      }
      if (configuration !== undefined) this.versions.forget(configuration, destinationBucket);
      this.backOff(queue, state, failure);
      return;
    }
  }

  /** Replicates the changes in order until one fails; acknowledges those done. Answers the failure. */
  private async replicateBatch(
    queue: string, configuration: ReplicationConfiguration | undefined, sourceBucket: string, destinationBucket: string, changes: QueuedEvent[],
  ): Promise<unknown> {
    const done: number[] = [];
    const statuses: Array<{ key: string; versionId: string; status: StatusChange }> = [];
    let failure: unknown;
    for (const change of changes) {
      try {
        // The configuration was removed: what it queued is not replicated (and no longer PENDING).
        const kind = changeKind(change.eventName);
        const status = change.versionId === undefined ? undefined : configuration === undefined
          ? (kind === 'version' ? null : undefined)
          : await this.versions.replicate(configuration, sourceBucket, destinationBucket, { kind, key: change.key, versionId: change.versionId });
        if (status !== undefined) statuses.push({ key: change.key, versionId: change.versionId!, status });
        done.push(change.id);
      } catch (error) {
        failure = error;
        break;
      }
    }
    // Submitted together: one group commit for the batch's statuses and its acknowledgement.
    await Promise.all([
      ...statuses.map((item) => this.index.setReplicationStatus(sourceBucket, item.key, item.versionId, item.status ?? undefined)),
      done.length === 0 ? undefined : this.index.acknowledgeEvents(queue, done),
    ]);
    return failure;
  }

  private backOff(queue: string, state: QueueState, error: unknown): void {
    state.attempts += 1;
    const delayMs = Math.min(BACKOFF_MAX_MS, (this.settings.backoffBaseMs ?? BACKOFF_BASE_MS) * 2 ** Math.min(state.attempts - 1, 20));
    state.nextAttemptAtMs = Date.now() + delayMs;
    // Logged on the first failure and then at powers of two, so an outage of hours writes a few dozen lines.
    if ((state.attempts & (state.attempts - 1)) === 0) {
      this.settings.log(`replication: ${queue}: failed (attempt ${state.attempts}): ${error instanceof Error ? error.message : String(error)}; retrying in ${delayMs} ms`);
    }
  }
}
