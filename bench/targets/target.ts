// A server under test, as the load generator sees it: where to connect and how to address (and,
// for S3 servers, sign) a request for one key or for the bucket.
import type { QueryParameters } from '../sigv4-client.js';

/**
 * 'cairn' is the default configuration (two workers, SQLite), the one ratios and targets use;
 * 'cairn-pg' the same on PostgreSQL; 'cairn-cluster' front ends of the cluster mode (cluster.ts);
 * 'node' the Node floor (node:http doing nginx's WebDAV work, targets/node-floor-server.ts).
 */
export type TargetId = 'cairn-w1' | 'cairn' | 'cairn-pg' | 'cairn-cluster' | 's3rver' | 'nginx' | 'node';

export interface RequestHead {
  /** Path and query string as sent on the wire. */
  pathAndQuery: string;
  /** Flat [name, value, …] header list. */
  headers: string[];
}

export interface Target {
  id: TargetId;
  /** Column title in the report. */
  label: string;
  /** "http://127.0.0.1:PORT" */
  origin: string;
  bucket: string;
  /** ListObjectsV2 is an S3 operation; the WebDAV floor has none. */
  supportsList: boolean;
  /** `key` is unencoded ("" addresses the bucket itself). */
  head(method: string, key: string, query?: QueryParameters): RequestHead;
  stop(): Promise<void>;
}

export const BENCH_BUCKET = 'bench';
