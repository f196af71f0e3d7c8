// One change replicated to one destination: a new version (its bytes and all it carries), a delete
// marker (when the rule replicates them), or a version's new tags. Shared by the queue drainer
// (replicator.ts) and the batch replication of existing versions (existing.ts). A refusal that will
// not change (PermanentReplicationError) marks the source version FAILED; any other error is thrown,
// and the caller retries the change until the destination answers.
import type { ReplicationConfiguration, ReplicationStatus } from '../../index/types.js';
import type { Layers } from '../../services/objects.js';
import { openSettings } from '../../services/encryption/sealed-settings.js';
import { ruleFor } from './configuration.js';
import { PermanentReplicationError, replicaOf, type ReplicaDestination } from './destination.js';
import { LocalDestination } from './local.js';

export type ChangeKind = 'version' | 'delete-marker' | 'tags';

/** The source version's new status; undefined: leave it as it is; null: it is not replicated (remove it). */
export type StatusChange = ReplicationStatus | null | undefined;

export interface ReplicationCounts {
  replicated: number;
  failed: number;
}

export class VersionReplicator {
  private readonly destinations = new Map<string, ReplicaDestination>();
  readonly counts: ReplicationCounts = { replicated: 0, failed: 0 };

  constructor(private readonly layers: Layers, private readonly log: (line: string) => void) {}

  /** The destination bucket as the configuration reaches it (its target, or this server). */
  async destination(configuration: ReplicationConfiguration, bucket: string): Promise<ReplicaDestination> {
    const name = `${configuration.target ?? ''}/${bucket}`;
    const known = this.destinations.get(name);
    if (known !== undefined) return known;
    let made: ReplicaDestination;
    if (configuration.target === undefined) {
      made = new LocalDestination(this.layers, bucket);
    } else {
      const target = await this.layers.index.getEventTarget(configuration.target);
      if (target === undefined || target.kind !== 's3') throw new PermanentReplicationError(`the target ${configuration.target} is gone`);
      // Imported on first use: the AWS SDK's S3 client is a tenth of a second of every process's start.
      const { RemoteDestination } = await import('./remote.js');
      made = new RemoteDestination({ ...target, settings: openSettings(this.layers.keys, target.name, target.settings) }, bucket);
    }
    this.destinations.set(name, made);
    return made;
  }

  /** Forgets a destination's client after a failure (a target's settings may have changed meanwhile). */
  forget(configuration: ReplicationConfiguration, bucket: string): void {
    const name = `${configuration.target ?? ''}/${bucket}`;
    this.destinations.get(name)?.close();
    this.destinations.delete(name);
  }

  close(): void {
    for (const destination of this.destinations.values()) destination.close();
    this.destinations.clear();
  }

  async replicate(
    configuration: ReplicationConfiguration, sourceBucket: string, destinationBucket: string, change: { kind: ChangeKind; key: string; versionId: string },
    onlyExisting = false,
  ): Promise<StatusChange> {
    try {
      return await this.replicateChange(configuration, sourceBucket, destinationBucket, change, onlyExisting);
    } catch (error) {
      if (!(error instanceof PermanentReplicationError)) throw error;
      this.counts.failed += 1;
      this.log(`replication: ${sourceBucket}/${change.key} (${change.versionId}) to ${destinationBucket}: ${error.message}`);
      return change.kind === 'version' ? 'FAILED' : undefined;
    }
  }

  private async replicateChange(
    configuration: ReplicationConfiguration, sourceBucket: string, destinationBucket: string, change: { kind: ChangeKind; key: string; versionId: string },
    onlyExisting: boolean,
  ): Promise<StatusChange> {
    const { key, versionId } = change;
    if (change.kind === 'delete-marker') {
      // Delete markers follow rules without tag filters only (as in S3).
      const rule = ruleFor(configuration, destinationBucket, key, []);
      if (rule === undefined || rule.deleteMarkerReplication !== 'Enabled' || (onlyExisting && rule.existingObjectReplication !== 'Enabled')) return undefined;
      const destination = await this.destination(configuration, destinationBucket);
      await destination.putDeleteMarker(key, versionId);
      this.counts.replicated += 1;
      // A delete marker keeps no status; COMPLETED tells the batch it was replicated.
      return 'COMPLETED';
    }
    const version = await this.layers.index.getObjectVersion(sourceBucket, key, versionId);
    // Gone since, or a delete marker: nothing to send.
    if (version === undefined || version.isDeleteMarker === true || version.headers.replicationStatus === 'REPLICA') return undefined;
    const rule = ruleFor(configuration, destinationBucket, key, version.tags ?? []);
    if (rule === undefined || (onlyExisting && rule.existingObjectReplication !== 'Enabled')) return change.kind === 'version' && !onlyExisting ? null : undefined;
    const destination = await this.destination(configuration, destinationBucket);
    if (change.kind === 'tags') {
      if (await destination.has(key, versionId)) await destination.putTags(key, versionId, version.tags);
      return undefined;
    }
    await destination.putVersion(replicaOf(this.layers, version, rule.destination.storageClass));
    this.counts.replicated += 1;
    return 'COMPLETED';
  }
}
