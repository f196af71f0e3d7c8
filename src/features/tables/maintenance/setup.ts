// S3 Tables maintenance in a server process: the maintenance service runs in the one process that
// runs background work; every process renders the metrics (from the index). Its time scale and the
// test settings come from the environment (docs: README "S3 Tables", maintenance).
import type { Layers } from '../../../services/objects.js';
import { renderTablesMaintenanceMetrics } from './metrics.js';
import { TablesMaintenance, type MaintenanceScale } from './runner.js';

const HOUR_MS = 60 * 60 * 1000;
const MEGABYTE_BYTES = 1024 * 1024;
/** The shortest pause between two passes, however short the scaled hour. */
const INTERVAL_MS_MIN = 100;

const SETTINGS = {
  /** The length of a maintenance hour in seconds (decimals allowed): a short one makes the jobs act in seconds. */
  hourSeconds: 'CAIRN_TABLES_MAINTENANCE_HOUR_SECONDS',
  /** Milliseconds between two passes over every table (default: one maintenance hour). */
  intervalMs: 'CAIRN_TABLES_MAINTENANCE_INTERVAL_MS',
  /** Bytes in a "MB" of targetFileSizeMB (a test setting: small files stand for large ones). */
  megabyteBytes: 'CAIRN_TABLES_MAINTENANCE_MB_BYTES',
  /** A pause before each maintenance commit (a test setting: a writer may commit in the window). */
  commitDelayMs: 'CAIRN_TABLES_MAINTENANCE_COMMIT_DELAY_MS',
} as const;

function setting(name: keyof typeof SETTINGS, fallback: number, allowZero = false): number {
  const text = process.env[SETTINGS[name]];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) throw new Error(`${SETTINGS[name]}=${text}: expected a positive number`);
  return value;
}

export function maintenanceScaleFromEnvironment(): MaintenanceScale {
  const hourMs = setting('hourSeconds', HOUR_MS / 1000) * 1000;
  return {
    hourMs,
    intervalMs: Math.max(INTERVAL_MS_MIN, setting('intervalMs', hourMs)),
    megabyteBytes: Math.round(setting('megabyteBytes', MEGABYTE_BYTES)),
    commitDelayMs: setting('commitDelayMs', 0, true),
  };
}

export interface TablesMaintenanceRuntime {
  metricsText(): Promise<string>;
  stop(): Promise<void>;
}

export function startTablesMaintenance(layers: Layers, settings: { accountId: string; runsBackgroundWork: boolean; log: (line: string) => void }): TablesMaintenanceRuntime {
  const service = settings.runsBackgroundWork
    ? new TablesMaintenance(layers, maintenanceScaleFromEnvironment(), { accountId: settings.accountId, log: settings.log }).start()
    : undefined;
  return {
    metricsText: () => renderTablesMaintenanceMetrics(layers.index),
    async stop() {
      await service?.stop();
    },
  };
}
