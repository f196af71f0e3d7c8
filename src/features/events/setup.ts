// Event notifications in a server process: the S3 endpoints and admin routes every process serves,
// and the delivery job that runs in the one process that runs background work.
import type { S3Endpoint } from '../../frontend/s3/endpoint.js';
import type { AdminExtension } from '../../frontend/admin/api.js';
import type { Layers } from '../../services/objects.js';
import { eventsAdmin } from './admin.js';
import { DELIVERY_ATTEMPTS_MAX_DEFAULT, EventDelivery } from './delivery.js';
import { EVENTS_ENDPOINTS } from './endpoints.js';
import { renderEventMetrics } from './metrics.js';

/** Test and tuning hooks (docs: README "Event notifications"). */
const HOOKS = {
  /** Attempts at one event before it is counted as a dead letter. */
  attemptsMax: 'CAIRN_EVENTS_ATTEMPTS_MAX',
  /** The first retry's delay in ms (doubling up to 30 s). */
  backoffBaseMs: 'CAIRN_EVENTS_BACKOFF_BASE_MS',
} as const;

function hook(name: keyof typeof HOOKS): number | undefined {
  const text = process.env[HOOKS[name]];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${HOOKS[name]}=${text}: expected a positive integer`);
  return value;
}

export interface EventsRuntime {
  s3Endpoints: readonly S3Endpoint[];
  adminExtension: AdminExtension;
  /** Prometheus text of event delivery (read from the index: the same in every process). */
  metricsText(): Promise<string>;
  stop(): Promise<void>;
}

export function startEvents(layers: Layers, settings: {
  region: string; accountId: string; ownerId: string; runsBackgroundWork: boolean; log: (line: string) => void;
}): EventsRuntime {
  const context = { region: settings.region, ownerId: settings.ownerId };
  const delivery = settings.runsBackgroundWork
    ? new EventDelivery(layers.index, {
      ...context, attemptsMax: hook('attemptsMax') ?? DELIVERY_ATTEMPTS_MAX_DEFAULT, backoffBaseMs: hook('backoffBaseMs'), log: settings.log, keys: layers.keys,
    }).start()
    : undefined;
  return {
    s3Endpoints: EVENTS_ENDPOINTS,
    adminExtension: eventsAdmin({ ...context, index: layers.index, accountId: settings.accountId, keys: layers.keys }),
    metricsText: () => renderEventMetrics(layers.index),
    async stop() {
      await delivery?.stop();
    },
  };
}
