// The one place the API surfaces are composed, in dispatch order: static websites (by Host), /_cairn/
// (admin, health, metrics, SQL, console), the Iceberg REST catalog (/_iceberg/, and /iceberg/ signed for
// s3tables or with a bearer token), /v2/ (the container registry), then by signing service: S3 Tables,
// ECR, FIS, AWS Backup, and S3 last with what features add to it. The server
// command builds the layers and hands them here.
import type { RootIdentity } from '../frontend/auth/identify.js';
import { createCairnSurface } from '../frontend/cairn/surface.js';
import type { FrontendConfig } from '../frontend/context.js';
import { metricsOperation } from '../frontend/ops/metrics.js';
import { requestLogOperation } from '../frontend/ops/request-log.js';
import type { RecentRequests } from '../frontend/request-log.js';
import { createConsoleSurface } from '../features/console/surface.js';
import { createBackupSurface } from '../features/backup/surface.js';
import { BackupStore } from '../features/backup/store.js';
import { createFisSurface } from '../features/fis/surface.js';
import { FisStore } from '../features/fis/store.js';
import { createIcebergSurface } from '../features/tables/iceberg/surface.js';
import { createTablesSurface } from '../features/tables/surface.js';
import { WEBSITE_S3_ENDPOINTS } from '../features/website/endpoints.js';
import { createWebsiteSurface } from '../features/website/surface.js';
import { createS3Surface } from '../frontend/s3/surface.js';
import type { ApiSurface } from '../frontend/surface.js';
import type { MetadataRuntime } from '../features/metadata/setup.js';
import type { AccessLogRuntime } from '../features/access-logs/setup.js';
import type { RegistryRuntime } from '../features/registry/setup.js';
import type { EventsRuntime } from '../features/events/setup.js';
import type { TablesMaintenanceRuntime } from '../features/tables/maintenance/setup.js';
import type { ReplicationRuntime } from '../features/replication/setup.js';
import type { AuditService } from '../services/audit/service.js';
import { CompactionFiles } from '../services/compaction/status.js';
import { TemplateStore } from '../services/faults/experiments.js';
import type { FaultStore } from '../services/faults/fault-store.js';
import type { FaultWatcher } from '../services/faults/fault-watcher.js';
import { HealFiles } from '../services/heal/heal-status.js';
import type { Identities } from '../services/iam/identities.js';
import type { Layers } from '../services/objects.js';
import { indexFaultControlOf } from '../index/index-faults.js';

/** What the surfaces share, and what the /_cairn/ admin space reaches beyond the layers. */
export interface SurfaceParts {
  layers: Layers;
  config: FrontendConfig;
  root: RootIdentity;
  identities: Identities;
  log: (line: string) => void;
  dataDirectory: string;
  metadata: MetadataRuntime;
  accessLogs: AccessLogRuntime;
  registry: RegistryRuntime;
  events: EventsRuntime;
  tablesMaintenance: TablesMaintenanceRuntime;
  replication: ReplicationRuntime;
  audit: AuditService;
  faults: FaultStore;
  faultWatcher: FaultWatcher;
  /** The front end's own metrics (connections, body budget): read at each scrape. */
  frontendMetrics: () => string;
  /** The front end's live request log (made after the surfaces, hence read through a function). */
  requestLog: () => RecentRequests;
  /** Host names under which `<bucket>.<domain>` is a bucket's static website (none: no website endpoint). */
  websiteDomains: readonly string[];
}

export function composeSurfaces(parts: SurfaceParts): ApiSurface[] {
  const { layers, config, root, identities, log, dataDirectory, metadata, events, audit } = parts;
  const shared = { layers, config, root, identities, log };
  const compaction = CompactionFiles.forDataDirectory(dataDirectory);
  return [
    // First: a website Host names a bucket, and every path under it (even /_cairn/…) is one of its keys.
    createWebsiteSurface({ layers, config, identities, log, websiteDomains: parts.websiteDomains }),
    // Before the rest of /_cairn/, which claims everything under it.
    createConsoleSurface({ ...shared, dataDirectory }),
    createCairnSurface({
      ...shared,
      operations: {
        ...metadata.internalOperations, '/_cairn/requests': requestLogOperation(parts.requestLog),
        '/_cairn/metrics': metricsOperation(audit.control, compaction, async () => parts.frontendMetrics() + (await events.metricsText()) + (await parts.tablesMaintenance.metricsText())),
      },
      audit: audit.control,
      adminExtensions: [events.adminExtension, parts.replication.adminExtension],
      storageAdmin: {
        storage: layers.storage, faults: parts.faults, templates: TemplateStore.forDataDirectory(dataDirectory), watcher: parts.faultWatcher,
        heal: HealFiles.forDataDirectory(dataDirectory), compaction,
      },
    }),
    createIcebergSurface({ ...shared, vendedCredentialsLifetimeMs: vendedCredentialsLifetimeMs() }),
    parts.registry.surface({ root, identities, log }),
    createTablesSurface(shared),
    parts.registry.ecrSurface({ root, identities, log }),
    createBackupSurface({ config, root, identities, index: layers.index, store: BackupStore.forDataDirectory(dataDirectory) }),
    createFisSurface({ config, root, identities, store: FisStore.forDataDirectory(dataDirectory), driveCount: layers.storage.driveStores.length, onPostgres: indexFaultControlOf(layers.index) !== undefined }),
    createS3Surface({
      ...shared, endpoints: [...metadata.s3Endpoints, ...WEBSITE_S3_ENDPOINTS, ...parts.accessLogs.s3Endpoints, ...parts.events.s3Endpoints,
        ...parts.replication.s3Endpoints], protectedBuckets: new Map([...metadata.protectedBuckets, ...parts.registry.protectedBuckets]),
      apiFaults: parts.faultWatcher.apiFaults,
      observer: parts.accessLogs.observer,
    }),
  ];
}

/** CAIRN_VENDED_CREDENTIALS_SECONDS: how long the Iceberg catalog's vended credentials last (tests shorten it). */
function vendedCredentialsLifetimeMs(): number | undefined {
  const text = process.env['CAIRN_VENDED_CREDENTIALS_SECONDS'];
  const seconds = text === undefined ? NaN : Number(text);
  return Number.isInteger(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
