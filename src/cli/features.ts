// The features' runtimes in one serving process: S3 Metadata, server access logs, the container
// registry, event notifications and S3 Tables maintenance (and S3 Metadata's tables published into
// S3 Tables' managed bucket), each started over the layers with what it needs of the server's
// settings, and stopped together. The surfaces (surfaces.ts) take what each offers.
import type { Index } from '../index/types.js';
import type { Storage } from '../storage/index.js';
import { startAccessLogs, type AccessLogRuntime } from '../features/access-logs/setup.js';
import { startEvents, type EventsRuntime } from '../features/events/setup.js';
import { startMetadata, type MetadataRuntime } from '../features/metadata/setup.js';
import { startRegistry, type RegistryOptions, type RegistryRuntime } from '../features/registry/setup.js';
import type { JsonObject } from '../features/tables/iceberg/metadata-model.js';
import { startTablesMaintenance, type TablesMaintenanceRuntime } from '../features/tables/maintenance/setup.js';
import { ManagedTables } from '../features/tables/managed/publish.js';

export interface FeatureSettings {
  dataDirectory: string;
  region: string;
  accountId: string;
  lifecycleDayMs: number;
  accessLogIntervalMs: number;
  registry?: RegistryOptions;
}

export interface FeatureRuntimes {
  metadata: MetadataRuntime;
  accessLogs: AccessLogRuntime;
  registry: RegistryRuntime;
  events: EventsRuntime;
  tablesMaintenance: TablesMaintenanceRuntime;
  stop(): Promise<void>;
}

export async function startFeatures(
  layers: { index: Index; storage: Storage }, settings: FeatureSettings,
  serving: { ownerId: string; runsBackgroundWork: boolean; log: (line: string) => void },
): Promise<FeatureRuntimes> {
  const { ownerId, runsBackgroundWork, log } = serving;
  const { dataDirectory, region, accountId } = settings;
  // S3 Metadata's tables are served as Iceberg tables of the tables feature's managed bucket `aws-s3`.
  const managedTables = new ManagedTables(layers, { region, accountId, ownerId });
  const metadata = await startMetadata(layers, {
    dataDirectory, region, ownerId, runsBackgroundWork, lifecycleDayMs: settings.lifecycleDayMs, log,
    publishTable: (table) => managedTables.publish({ ...table, schema: table.schema as JsonObject }),
  });
  const accessLogs = startAccessLogs(layers, { ...settings, deliveryIntervalMs: settings.accessLogIntervalMs, runsBackgroundWork, log });
  const registry = await startRegistry(layers, settings.registry, { region, accountId, ownerId, runsBackgroundWork, log });
  const events = startEvents(layers, { region, accountId, ownerId, runsBackgroundWork, log });
  const tablesMaintenance = startTablesMaintenance(layers, { accountId, runsBackgroundWork, log });
  return {
    metadata, accessLogs, registry, events, tablesMaintenance,
    async stop() {
      await Promise.all([metadata.stop(), registry.stop(), events.stop(), tablesMaintenance.stop()]);
      await accessLogs.stop();
    },
  };
}
