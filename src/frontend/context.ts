// What every operation handler receives: the parsed request, who sent it, and the layers below.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identities } from '../services/iam/identities.js';
import type { ParsedPolicy } from '../services/iam/policy.js';
import type { BucketWithAccess, ChangeOrigin, ObjectOwnership, StoredAcl } from '../index/types.js';
import type { Layers } from '../services/objects.js';
import type { Authentication } from './auth/sigv4.js';
import type { NewBucketDefaults, PublicAccessBlock } from '../services/access-defaults.js';

export interface FrontendConfig {
  region: string;
  /** Host names under which `<bucket>.<domain>` addresses a bucket (virtual-hosted style). */
  virtualHostDomains: string[];
  /** Canonical user id and display name of the root identity. */
  ownerId: string;
  ownerDisplayName: string;
  /**
   * The account every identity belongs to (policies name users as arn:aws:iam::<account id>:user/NAME),
   * and the requester the S3 Metadata journal records.
   */
  accountId: string;
  /** The length of a lifecycle "day" (S3: 24 hours): x-amz-expiration counts rule Days in it. */
  lifecycleDayMs: number;
  /** A test switch, off by default (startCairn, `server --ephemeral`): S3 requests are accepted whatever their signature's value. */
  acceptAnySignature?: boolean;
  /** How long every restore of an archived object takes (--restore-delay-seconds); undefined: per class and tier, as AWS. */
  restoreDelayMs?: number;
  /** `--new-bucket-defaults`: AWS's current defaults for new buckets, or those before April 2023 (default: current). */
  newBucketDefaults?: NewBucketDefaults;
  /** SSE-C allowed over plain HTTP (`--insecure-sse-c`); S3 refuses it without TLS. */
  insecureSseC: boolean;
}

/** Who sent a request: the root identity (may do everything), a user, or nobody (anonymous). */
export type Principal =
  | { kind: 'root'; canonicalId: string; name: string }
  | { kind: 'user'; canonicalId: string; name: string; accessKeyId: string; policy?: ParsedPolicy }
  | { kind: 'anonymous' };

/** A bucket's owner and access settings, as authorization read them (cached per request). */
export interface BucketAccess {
  ownerId: string;
  policy?: ParsedPolicy;
  /** A stored policy that no longer parses: only the owner (and root) may use the bucket. */
  policyUnreadable: boolean;
  policyIsPublic: boolean;
  publicAccessBlock: PublicAccessBlock;
  /** Object Ownership: ACLs count (and may be set) unless it is BucketOwnerEnforced. */
  ownership: ObjectOwnership;
  /** The bucket's ACL; undefined: the owner's FULL_CONTROL only. */
  acl?: StoredAcl;
}

export type { PublicAccessBlock } from '../services/access-defaults.js';

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
  principal: Principal;
  /**
   * The lookup of the request's own bucket with its access settings, read at most once per request
   * (request/bucket.ts): the S3 surface makes it before CORS, and authorization and the operation
   * share it. Only its result is shared: NoSuchBucket is still thrown where each operation asks,
   * after the checks it makes first, and authorization still answers NoSuchBucket before AccessDenied.
   */
  bucketLookup?: () => Promise<BucketWithAccess | undefined>;
  /** Buckets whose access settings this request has read, by name. */
  bucketAccess: Map<string, BucketAccess | undefined>;
  layers: Layers;
  identities: Identities;
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
export function changeOrigin(context: Pick<RequestContext, 'req' | 'config' | 'requestId'>): ChangeOrigin {
  const address = context.req.socket.remoteAddress;
  const sourceIpAddress = address?.startsWith(IPV4_MAPPED_PREFIX) === true ? address.slice(IPV4_MAPPED_PREFIX.length) : address;
  return { requester: context.config.accountId, sourceIpAddress, requestId: context.requestId };
}
