// Server access logging in a server process: its S3 endpoints, the recorder every process runs (it
// queues the lines of its own requests) and the delivery job, which runs in one process only.
import type { S3Endpoint } from '../../frontend/s3/endpoint.js';
import type { S3RequestObserver } from '../../frontend/s3/request-record.js';
import type { JobRunner } from '../../services/jobs/runner.js';
import type { Layers } from '../../services/objects.js';
import { startAccessLogDelivery } from './delivery.js';
import { ACCESS_LOG_ENDPOINTS } from './endpoints.js';
import { AccessLogRecorder } from './recorder.js';

export interface AccessLogRuntime {
  s3Endpoints: readonly S3Endpoint[];
  /** Told of every S3 request: queues the lines of requests to buckets with logging. */
  observer: S3RequestObserver;
  /** Queues the lines of requests already answered, then stops delivery (after the front end stopped). */
  stop(): Promise<void>;
}

export function startAccessLogs(
  layers: Layers,
  settings: { accountId: string; region: string; deliveryIntervalMs: number; runsBackgroundWork: boolean; log: (line: string) => void },
): AccessLogRuntime {
  const recorder = new AccessLogRecorder(layers.index, settings);
  let delivery: JobRunner<true> | undefined;
  if (settings.runsBackgroundWork) delivery = startAccessLogDelivery(layers, settings.deliveryIntervalMs, settings.log);
  return {
    s3Endpoints: ACCESS_LOG_ENDPOINTS,
    observer: recorder,
    async stop() {
      await recorder.stop();
      await delivery?.stop();
    },
  };
}
