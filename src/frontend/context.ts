// What every operation handler receives: the parsed request, who sent it, and the layers below.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChangeOrigin } from '../index/types.js';
import type { Layers } from '../services/objects.js';
import type { Authentication } from './auth/sigv4.js';

export interface FrontendConfig {
  region: string;
  /** Host names under which `<bucket>.<domain>` addresses a bucket (virtual-hosted style). */
  virtualHostDomains: string[];
  /** Canonical user id and display name of the root identity (the owner of every bucket for now). */
  ownerId: string;
  ownerDisplayName: string;
  /** The length of a lifecycle "day" (S3: 24 hours): x-amz-expiration counts rule Days in it. */
  lifecycleDayMs: number;
  /** The root identity's account id: the requester the S3 Metadata journal records. */
  accountId: string;
}

export interface RequestContext {
  requestId: string;
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** Undefined for service-level requests (ListBuckets). */
  bucket?: string;
  /** Undefined for bucket-level requests. Percent-decoded, never used as a path. */
  key?: string;
  /** Decoded query parameters. */
  query: URLSearchParams;
  auth: Authentication;
  layers: Layers;
  config: FrontendConfig;
  log: (line: string) => void;
}

/** A request header as one string (node joins repeated headers with ", "). */
export function header(context: RequestContext, name: string): string | undefined {
  const value = context.req.headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** IPv4 clients on a dual-stack socket appear as ::ffff:a.b.c.d; the journal records a.b.c.d. */
const IPV4_MAPPED_PREFIX = '::ffff:';

/** Who made a change, as the S3 Metadata journal records it: account, source address, request id. */
export function changeOrigin(context: RequestContext): ChangeOrigin {
  const address = context.req.socket.remoteAddress;
  const sourceIpAddress = address?.startsWith(IPV4_MAPPED_PREFIX) === true ? address.slice(IPV4_MAPPED_PREFIX.length) : address;
  return { requester: context.config.accountId, sourceIpAddress, requestId: context.requestId };
}
