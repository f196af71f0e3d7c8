// A bucket's S3 Metadata configuration as Cairn keeps it (the bucket setting 'metadata'), and the
// status AWS reports for its tables, derived from the configuration and the exporter's state.
import { randomUUID } from 'node:crypto';
import type { RecordExpirationSetting, StoredMetadataConfiguration } from '../../index/settings/metadata.js';

export type TableStatus = 'CREATING' | 'BACKFILLING' | 'ACTIVE' | 'FAILED';

// The stored configuration is the index's 'metadata' bucket setting (checked on read).
export type { RecordExpirationSetting, StoredMetadataConfiguration } from '../../index/settings/metadata.js';

/** What the exporter keeps per bucket in the index (metadata_state) about the journal table. */
export interface JournalTableState {
  /** Set while exports of this bucket's rows fail; cleared by the next success. */
  error?: { code: string; message: string; atMs: number };
}

export interface InventoryTableState {
  status: 'BACKFILLING' | 'ACTIVE';
  /** The configuration's inventory.enabledAtMs this table was built for. */
  enabledAtMs: number;
  /** Files of this generation make up the inventory's base; older ones are removed. */
  generation: string;
  /** Every journal change up to this sequence is in the base files; later ones are applied on read. */
  watermark?: number;
  /** Where the backfill resumes (BACKFILLING only). */
  cursor?: { key: string; dataId: string };
  versionsBackfilled: number;
  baseRows: number;
  startedAtMs: number;
  activeSinceMs?: number;
  error?: { code: string; message: string; atMs: number };
}

export function newConfiguration(
  apiVersion: 'V1' | 'V2',
  recordExpiration: RecordExpirationSetting,
  inventoryEnabled: boolean,
  nowMs: number,
): StoredMetadataConfiguration {
  return {
    apiVersion,
    createdAtMs: nowMs,
    journal: { tableId: randomUUID(), recordExpiration },
    inventory: inventoryEnabled ? { enabled: true, tableId: randomUUID(), enabledAtMs: nowMs } : { enabled: false },
  };
}

/** The configuration with its inventory table switched on or off (a new enabling restarts the backfill). */
export function withInventory(configuration: StoredMetadataConfiguration, enabled: boolean, nowMs: number): StoredMetadataConfiguration {
  if (enabled === configuration.inventory.enabled) return configuration;
  return { ...configuration, inventory: enabled ? { enabled: true, tableId: randomUUID(), enabledAtMs: nowMs } : { enabled: false } };
}

export function journalTableStatus(state: JournalTableState | undefined): TableStatus {
  return state?.error === undefined ? 'ACTIVE' : 'FAILED';
}

export function inventoryTableStatus(configuration: StoredMetadataConfiguration, state: InventoryTableState | undefined): TableStatus | undefined {
  if (!configuration.inventory.enabled) return undefined;
  if (state === undefined || state.enabledAtMs !== configuration.inventory.enabledAtMs) return 'CREATING';
  if (state.error !== undefined) return 'FAILED';
  return state.status;
}
