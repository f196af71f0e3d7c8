// The features' runtimes in one serving process: S3 Metadata, server access logs, the container
// registry, event notifications and AWS Backup's job runner (in the process running background work), each started over the layers with what it needs of the server's
// settings, and stopped together. The surfaces (surfaces.ts) take what each offers.
import type { Index } from '../index/types.js';
import type { Storage } from '../storage/index.js';
import { startAccessLogs, type AccessLogRuntime } from '../features/access-logs/setup.js';
import { startBackupRunner } from '../features/backup/runner.js';
import { BackupStore } from '../features/backup/store.js';
import { startEvents, type EventsRuntime } from '../features/events/setup.js';
import { startMetadata, type MetadataRuntime } from '../features/metadata/setup.js';
import { startRegistry, type RegistryOptions, type RegistryRuntime } from '../features/registry/setup.js';

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
  stop(): Promise<void>;
}

export async function startFeatures(
  layers: { index: Index; storage: Storage }, settings: FeatureSettings,
  serving: { ownerId: string; runsBackgroundWork: boolean; log: (line: string) => void },
): Promise<FeatureRuntimes> {
  const { ownerId, runsBackgroundWork, log } = serving;
  const { dataDirectory, region, accountId } = settings;
  const metadata = await startMetadata(layers, { dataDirectory, region, ownerId, runsBackgroundWork, lifecycleDayMs: settings.lifecycleDayMs, log });
  const accessLogs = startAccessLogs(layers, { ...settings, deliveryIntervalMs: settings.accessLogIntervalMs, runsBackgroundWork, log });
  const registry = await startRegistry(layers, settings.registry, { region, accountId, ownerId, runsBackgroundWork, log });
  const events = startEvents(layers, { region, accountId, ownerId, runsBackgroundWork, log });
  const backup = runsBackgroundWork ? startBackupRunner({ layers, store: BackupStore.forDataDirectory(dataDirectory), region, accountId, ownerId, log }) : undefined;
  return {
    metadata, accessLogs, registry, events,
    async stop() {
      backup?.stop();
      await Promise.all([metadata.stop(), registry.stop(), events.stop()]);
      await accessLogs.stop();
    },
  };
}
