// POST /_cairn/sql: SQL over the S3 Metadata tables (signed like any S3 request). The body is
// {"sql": "SELECT …"}; the answer is JSON: {columns: [{name, type}], rows: [[…]], truncated, elapsedMs},
// or {error: {code, message}} for a query that cannot run (bad SQL, unknown table, time limit).
import type { ServerResponse } from 'node:http';
import { MetadataQueryService, QUERY_TEXT_BYTES_MAX, QueryError, type QueryErrorCode } from './query.js';
import type { RequestContext } from '../../frontend/context.js';
import { S3Error } from '../../frontend/errors.js';
import { readSmallBody } from '../../frontend/payload.js';
import type { Operation } from '../../frontend/s3/endpoint.js';

/** The JSON body: the query text plus a little framing. */
const SQL_REQUEST_BYTES_MAX = QUERY_TEXT_BYTES_MAX + 1024;

const STATUS_BY_CODE: Record<QueryErrorCode, number> = {
  InvalidQuery: 400,
  QueryTimeout: 400,
  TooManyQueries: 503,
  TablesNotReady: 503,
};

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', body.byteLength);
  res.end(body);
}

function queryText(body: Buffer): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new QueryError('InvalidQuery', 'The request body must be JSON: {"sql": "SELECT …"}.');
  }
  const sql = (parsed as { sql?: unknown } | null)?.sql;
  if (typeof sql !== 'string') throw new QueryError('InvalidQuery', 'The request body must be JSON: {"sql": "SELECT …"}.');
  return sql;
}

export function sqlOperation(service: MetadataQueryService): Operation {
  return async (context: RequestContext) => {
    if (context.method !== 'POST') throw new S3Error('MethodNotAllowed');
    const { body } = await readSmallBody(context, SQL_REQUEST_BYTES_MAX);
    try {
      sendJson(context.res, 200, await service.query(queryText(body)));
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      sendJson(context.res, STATUS_BY_CODE[error.code], { error: { code: error.code, message: error.message } });
    }
  };
}
