// The features' runtimes in one serving process: S3 Metadata, server access logs, the container
// registry, event notifications, replication, S3 Tables maintenance (and S3 Metadata's tables published into
// S3 Tables' managed bucket) and AWS Backup's job runner, each started over the layers with what it needs of the server's
// settings, and stopped together. The surfaces (surfaces.ts) take what each offers.
import type { Layers } from '../services/objects.js';
import { startAccessLogs, type AccessLogRuntime } from '../features/access-logs/setup.js';
import { startBackupRunner } from '../features/backup/runner.js';
import { BackupStore } from '../features/backup/store.js';
import { startEvents, type EventsRuntime } from '../features/events/setup.js';
import { startMetadata, type MetadataRuntime } from '../features/metadata/setup.js';
import { startRegistry, type RegistryOptions, type RegistryRuntime } from '../features/registry/setup.js';
import type { JsonObject } from '../features/tables/iceberg/metadata-model.js';
import { startTablesMaintenance, type TablesMaintenanceRuntime } from '../features/tables/maintenance/setup.js';
import { startReplication, type ReplicationRuntime } from '../features/replication/setup.js';
import { ManagedTables } from '../features/tables/managed/publish.js';

export interface FeatureSettings {
  dataDirectory: string;
  region: string;
  accountId: string;
  lifecycleDayMs: number;
  lifecycleIntervalMs: number;
  /** Serving processes (the registry's throttle holds each one's share of the rates). */
  workers: number;
  accessLogIntervalMs: number;
  registry?: RegistryOptions;
}

export interface FeatureRuntimes {
  metadata: MetadataRuntime;
  accessLogs: AccessLogRuntime;
  registry: RegistryRuntime;
  events: EventsRuntime;
  tablesMaintenance: TablesMaintenanceRuntime;
  replication: ReplicationRuntime;
  /** The features' singleton jobs (S3 Metadata's exporter): started and stopped with the server's singleton background jobs. */
  startSingletons(): { stop(): Promise<void> };
  stop(): Promise<void>;
}

export async function startFeatures(
  layers: Layers, settings: FeatureSettings,
  serving: { ownerId: string; runsBackgroundWork: boolean; log: (line: string) => void },
): Promise<FeatureRuntimes> {
  const { ownerId, runsBackgroundWork, log } = serving;
  const { dataDirectory, region, accountId } = settings;
  // S3 Metadata's tables are served as Iceberg tables of the tables feature's managed bucket `aws-s3`.
  const managedTables = new ManagedTables(layers, { region, accountId, ownerId });
  const metadata = await startMetadata(layers, {
    dataDirectory, region, ownerId, lifecycleDayMs: settings.lifecycleDayMs, log,
    publishTable: (table) => managedTables.publish({ ...table, schema: table.schema as JsonObject }),
  });
  const accessLogs = startAccessLogs(layers, { ...settings, deliveryIntervalMs: settings.accessLogIntervalMs, runsBackgroundWork, log });
  const registry = await startRegistry(layers, settings.registry, {
    region, accountId, ownerId, runsBackgroundWork, workers: settings.workers, lifecycle: { dayMs: settings.lifecycleDayMs, intervalMs: settings.lifecycleIntervalMs }, log,
  });
  const events = startEvents(layers, { region, accountId, ownerId, runsBackgroundWork, log });
  const tablesMaintenance = startTablesMaintenance(layers, { accountId, runsBackgroundWork, log });
  const backup = runsBackgroundWork ? startBackupRunner({ layers, store: BackupStore.forDataDirectory(dataDirectory), region, accountId, ownerId, log }) : undefined;
  const replication = startReplication(layers, { dataDirectory, runsBackgroundWork, log });
  return {
    metadata, accessLogs, registry, events, tablesMaintenance, replication,
    startSingletons: () => metadata.startExporter(),
    async stop() {
      backup?.stop();
      await Promise.all([registry.stop(), events.stop(), tablesMaintenance.stop(), replication.stop()]);
      await accessLogs.stop();
    },
  };
}
