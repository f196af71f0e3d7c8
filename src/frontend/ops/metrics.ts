// GET /_cairn/metrics: the audit, repair and compaction counters (and the front end's connection figures) in Prometheus text format. Like MinIO's
// default, it needs credentials: the root identity's SigV4 signature (see docs/admin.md).
import type { AuditControl } from '../../services/audit/service.js';
import { renderMetrics } from '../../services/audit/metrics.js';
import { renderCompactionMetrics } from '../../services/compaction/metrics.js';
import type { CompactionFiles } from '../../services/compaction/status.js';
import { S3Error } from '../errors.js';
import type { Operation } from '../s3/endpoint.js';

/** `more` renders further figures of this process (the front end's connections and body budget). */
export function metricsOperation(control: AuditControl, compaction: CompactionFiles, more: () => string | Promise<string> = () => ''): Operation {
  return async (context) => {
    if (context.method !== 'GET') throw new S3Error('MethodNotAllowed');
    const body = Buffer.from((await renderMetrics(control)) + (await renderCompactionMetrics(compaction)) + (await more()), 'utf8');
    context.res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': body.byteLength });
    context.res.end(body);
  };
}
