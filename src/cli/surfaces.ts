// The one place the API surfaces are composed, in dispatch order: /_cairn/ (admin, health, metrics,
// SQL, console), /_iceberg/ and /v2/ (not built yet), then by signing service: S3 Tables and the JSON
// APIs not built yet (backup, ecr, fis), and S3 last with what features add to it. The server command builds the layers and hands them here.
import type { RootIdentity } from '../frontend/auth/identify.js';
import { createCairnSurface } from '../frontend/cairn/surface.js';
import type { FrontendConfig } from '../frontend/context.js';
import { metricsOperation } from '../frontend/ops/metrics.js';
import { pendingPathSurfaces, pendingSignedSurfaces } from '../frontend/pending-surfaces.js';
import { createTablesSurface } from '../features/tables/surface.js';
import { createS3Surface } from '../frontend/s3/surface.js';
import type { ApiSurface } from '../frontend/surface.js';
import type { MetadataRuntime } from '../features/metadata/setup.js';
import type { EventsRuntime } from '../features/events/setup.js';
import type { AuditService } from '../services/audit/service.js';
import { CompactionFiles } from '../services/compaction/status.js';
import { TemplateStore } from '../services/faults/experiments.js';
import type { FaultStore } from '../services/faults/fault-store.js';
import type { FaultWatcher } from '../services/faults/fault-watcher.js';
import { HealFiles } from '../services/heal/heal-status.js';
import type { Identities } from '../services/iam/identities.js';
import type { Layers } from '../services/objects.js';

/** What the surfaces share, and what the /_cairn/ admin space reaches beyond the layers. */
export interface SurfaceParts {
  layers: Layers;
  config: FrontendConfig;
  root: RootIdentity;
  identities: Identities;
  log: (line: string) => void;
  dataDirectory: string;
  metadata: MetadataRuntime;
  events: EventsRuntime;
  audit: AuditService;
  faults: FaultStore;
  faultWatcher: FaultWatcher;
  /** The front end's own metrics (connections, body budget): read at each scrape. */
  frontendMetrics: () => string;
}

export function composeSurfaces(parts: SurfaceParts): ApiSurface[] {
  const { layers, config, root, identities, log, dataDirectory, metadata, events, audit } = parts;
  const shared = { layers, config, root, identities, log };
  const compaction = CompactionFiles.forDataDirectory(dataDirectory);
  return [
    createCairnSurface({
      ...shared,
      operations: { ...metadata.internalOperations, '/_cairn/metrics': metricsOperation(audit.control, compaction, async () => parts.frontendMetrics() + (await events.metricsText())) },
      audit: audit.control,
      adminExtensions: [events.adminExtension],
      storageAdmin: {
        storage: layers.storage, faults: parts.faults, templates: TemplateStore.forDataDirectory(dataDirectory), watcher: parts.faultWatcher,
        heal: HealFiles.forDataDirectory(dataDirectory), compaction,
      },
    }),
    ...pendingPathSurfaces(),
    createTablesSurface(shared),
    ...pendingSignedSurfaces(),
    createS3Surface({ ...shared, endpoints: [...metadata.s3Endpoints, ...events.s3Endpoints], protectedBuckets: metadata.protectedBuckets }),
  ];
}
