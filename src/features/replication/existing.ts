// Batch replication of existing versions (the rules' ExistingObjectReplication): a job over every
// version of a source bucket, key by key and oldest version first, that replicates what the
// enabled rules cover and the destination lacks, with its progress kept for the admin API.
// Versions replicated already (COMPLETED) or replicas (REPLICA) are skipped; changes made while the
// job runs are the replication queue's, and a replica older than what the destination holds takes
// its place among the noncurrent versions there (src/index/sqlite/versioning.ts). The job runs in the
// process that was asked to start it; its progress is a file under the data directory, so every
// worker answers for it (a job whose process died stays 'running' there until it is started again).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Index, VersionSummary } from '../../index/types.js';
import type { VersionReplicator } from './version-replicator.js';

/** Versions listed per index read. */
const LIST_PAGE_VERSIONS_MAX = 1000;
/** The progress file is rewritten after this many versions (and at the end). */
const PROGRESS_WRITE_VERSIONS = 100;

export interface ExistingReplicationProgress {
  bucket: string;
  state: 'running' | 'done' | 'failed';
  versionsScanned: number;
  versionsReplicated: number;
  versionsFailed: number;
  startedAt: string;
  finishedAt?: string;
  error?: string;
}

/** The key's versions from a listing (newest first) in the order they were made. */
function oldestFirst(versions: VersionSummary[]): VersionSummary[] {
  return [...versions].reverse();
}

export class ExistingReplication {
  private readonly jobs = new Map<string, ExistingReplicationProgress>();

  constructor(private readonly index: Index, private readonly versions: VersionReplicator, private readonly directory: string) {}

  private fileOf(bucket: string): string {
    return join(this.directory, `existing-${bucket}.json`);
  }

  private save(progress: ExistingReplicationProgress): void {
    mkdirSync(this.directory, { recursive: true });
    const file = this.fileOf(progress.bucket);
    writeFileSync(`${file}.tmp`, JSON.stringify(progress));
    renameSync(`${file}.tmp`, file);
  }

  progress(bucket: string): ExistingReplicationProgress | undefined {
    const mine = this.jobs.get(bucket);
    if (mine !== undefined) return mine;
    try {
      return JSON.parse(readFileSync(this.fileOf(bucket), 'utf8')) as ExistingReplicationProgress;
    } catch {
      return undefined;
    }
  }

  /** Starts the job for a bucket (one at a time per bucket in this process): the progress so far when one runs. */
  start(bucket: string): ExistingReplicationProgress {
    const running = this.jobs.get(bucket);
    if (running?.state === 'running') return running;
    const progress: ExistingReplicationProgress = { bucket, state: 'running', versionsScanned: 0, versionsReplicated: 0, versionsFailed: 0, startedAt: new Date().toISOString() };
    this.jobs.set(bucket, progress);
    this.save(progress);
    void this.run(progress).then(
      () => Object.assign(progress, { state: 'done', finishedAt: new Date().toISOString() }),
      (error: unknown) => Object.assign(progress, { state: 'failed', finishedAt: new Date().toISOString(), error: error instanceof Error ? error.message : String(error) }),
    ).finally(() => this.save(progress));
    return progress;
  }

  private async run(progress: ExistingReplicationProgress): Promise<void> {
    const { bucket } = progress;
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    let pending: VersionSummary[] = [];
    for (;;) {
      const page = await this.index.listObjectVersions({ bucket, prefix: '', delimiter: '', keyMarker, versionIdMarker, maxEntries: LIST_PAGE_VERSIONS_MAX });
      for (const version of page.versions) {
        // A key's versions may span pages: each key is replicated once all its versions are listed.
        if (pending.length > 0 && pending[0]!.key !== version.key) {
          await this.replicateKey(progress, oldestFirst(pending));
          pending = [];
        }
        pending.push(version);
      }
      if (!page.isTruncated) break;
      keyMarker = page.nextKeyMarker;
      versionIdMarker = page.nextVersionIdMarker;
    }
    if (pending.length > 0) await this.replicateKey(progress, oldestFirst(pending));
  }

  private async replicateKey(progress: ExistingReplicationProgress, versions: VersionSummary[]): Promise<void> {
    const configuration = await this.index.readBucketSetting(progress.bucket, 'replication');
    if (configuration === undefined) throw new Error('the bucket has no replication configuration');
    const destinations = [...new Set(configuration.rules.filter((rule) => rule.existingObjectReplication === 'Enabled').map((rule) => rule.destination.bucket))];
    for (const version of versions) {
      progress.versionsScanned += 1;
      if (progress.versionsScanned % PROGRESS_WRITE_VERSIONS === 0) this.save(progress);
      if (version.versionId === 'null') continue;
      for (const destination of destinations) {
        const change = { kind: version.isDeleteMarker ? 'delete-marker' as const : 'version' as const, key: version.key, versionId: version.versionId };
        const status = await this.versions.replicate(configuration, progress.bucket, destination, change, true);
        if (status === 'COMPLETED') progress.versionsReplicated += 1;
        if (status === 'FAILED') progress.versionsFailed += 1;
        if (status !== undefined && status !== null) await this.index.setReplicationStatus(progress.bucket, version.key, version.versionId, status);
      }
    }
  }
}
