// GET /_cairn/requests[?after=SEQUENCE]: this process's live request log as JSON (the console's
// Operations view polls it). Root only, like /_cairn/metrics; in a cluster, the log of the worker that answers.
import { S3Error } from '../errors.js';
import type { RecentRequests } from '../request-log.js';
import type { Operation } from '../s3/endpoint.js';

const SEQUENCE_PATTERN = /^\d{1,15}$/;

export function requestLogOperation(log: () => RecentRequests): Operation {
  return async (context) => {
    if (context.method !== 'GET') throw new S3Error('MethodNotAllowed');
    const after = context.query.get('after') ?? '0';
    if (!SEQUENCE_PATTERN.test(after)) throw new S3Error('InvalidArgument', 'after must be a request sequence number.');
    const requests = log().since(Number(after));
    const body = Buffer.from(JSON.stringify({ requests }), 'utf8');
    context.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.byteLength });
    context.res.end(body);
  };
}
