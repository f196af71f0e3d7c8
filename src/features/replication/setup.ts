// Replication in a server process: the S3 endpoints and admin routes every process serves, and the
// replicator that runs in the one process that runs background work. Admin API (root only):
//   GET  /_cairn/admin/replication                      → {queues: [{queue, pending}], replicated, failed}
//   POST /_cairn/admin/replication/BUCKET/existing      → 202 progress (starts batch replication of existing versions, in this process)
//   GET  /_cairn/admin/replication/BUCKET/existing      → 200 progress (404 NoSuchJob when none ran)
import { join } from 'node:path';
import type { S3Endpoint } from '../../frontend/s3/endpoint.js';
import { AdminExtensionError, type AdminExtension } from '../../frontend/admin/api.js';
import { REPLICATION_QUEUE_PREFIX } from '../../index/settings/replication.js';
import type { Layers } from '../../services/objects.js';
import { REPLICATION_ENDPOINTS } from './endpoints.js';
import { ExistingReplication } from './existing.js';
import { Replicator } from './replicator.js';
import { VersionReplicator } from './version-replicator.js';

/** Test and tuning hook: the first retry's delay in ms (doubling up to 30 s). */
const BACKOFF_BASE_HOOK = 'CAIRN_REPLICATION_BACKOFF_BASE_MS';

export interface ReplicationRuntime {
  s3Endpoints: readonly S3Endpoint[];
  adminExtension: AdminExtension;
  stop(): Promise<void>;
}

function backoffBaseMs(): number | undefined {
  const text = process.env[BACKOFF_BASE_HOOK];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${BACKOFF_BASE_HOOK}=${text}: expected a positive integer`);
  return value;
}

function replicationAdmin(layers: Layers, versions: VersionReplicator, existing: ExistingReplication): AdminExtension {
  return async (request) => {
    const [collection, bucket, job, ...rest] = request.segments;
    if (collection !== 'replication' || rest.length > 0) return undefined;
    if (bucket === undefined) {
      if (request.method !== 'GET') throw new AdminExtensionError(405, 'MethodNotAllowed', 'The method is not allowed on this resource.');
      const queues = (await layers.index.readEventQueueStats()).filter((queue) => queue.target.startsWith(REPLICATION_QUEUE_PREFIX));
      return [200, { queues: queues.map((queue) => ({ queue: queue.target.slice(REPLICATION_QUEUE_PREFIX.length), pending: queue.pending })), ...versions.counts }];
    }
    if (job !== 'existing') return undefined;
    if (request.method === 'GET') {
      const progress = existing.progress(bucket);
      if (progress === undefined) throw new AdminExtensionError(404, 'NoSuchJob', `No batch replication has run for ${bucket}.`);
      return [200, progress];
    }
    if (request.method !== 'POST') throw new AdminExtensionError(405, 'MethodNotAllowed', 'The method is not allowed on this resource.');
    const configuration = await layers.index.readBucketSetting(bucket, 'replication');
    if (configuration === undefined) throw new AdminExtensionError(404, 'ReplicationConfigurationNotFoundError', 'The replication configuration was not found');
    if (!configuration.rules.some((rule) => rule.status === 'Enabled' && rule.existingObjectReplication === 'Enabled')) {
      throw new AdminExtensionError(400, 'InvalidRequest', 'No enabled rule of the bucket has ExistingObjectReplication enabled.');
    }
    return [202, existing.start(bucket)];
  };
}

export function startReplication(layers: Layers, settings: { dataDirectory: string; runsBackgroundWork: boolean; log: (line: string) => void }): ReplicationRuntime {
  const versions = new VersionReplicator(layers, settings.log);
  const replicator = settings.runsBackgroundWork ? new Replicator(layers.index, versions, { backoffBaseMs: backoffBaseMs(), log: settings.log }).start() : undefined;
  const existing = new ExistingReplication(layers.index, versions, join(settings.dataDirectory, 'replication'));
  return {
    s3Endpoints: REPLICATION_ENDPOINTS,
    adminExtension: replicationAdmin(layers, versions, existing),
    async stop() {
      await replicator?.stop();
      versions.close();
    },
  };
}
