// The shape of one S3 endpoint: the request it matches (by whether it names a bucket, a key or an
// upload, its method and its query sub-resource), the IAM action and resource scope it is
// authorized for, and its handler. The S3 surface's table (endpoints.ts) is a list of these, and a
// feature adds its own (S3 Metadata's ?metadataConfiguration…).
import type { RoutePermission } from '../auth/authorize.js';
import type { RequestContext } from '../context.js';

export type Operation = (context: RequestContext) => Promise<void>;

/**
 * service: no bucket (ListBuckets); bucket: a bucket, no key; object: a key, no uploadId;
 * upload: a key and ?uploadId (the multipart operations on one upload).
 */
export type S3RequestLevel = 'service' | 'bucket' | 'object' | 'upload';

export interface S3Endpoint {
  /** The S3 operation's name (its name in the S3 API reference). */
  name: string;
  level: S3RequestLevel;
  method: string;
  /** The query sub-resource it is selected by (none: `undefined`; any or none: '*'). */
  subresource: string | undefined;
  /** A further condition on the request (a header, list-type=2…). */
  when?: (context: RequestContext) => boolean;
  /** What authorization requires; undefined: the bucket's owner only (so nothing is open by accident). */
  permission: RoutePermission | undefined;
  handler: Operation;
}

/** Query parameters that select a different S3 operation on the same path. */
const SUBRESOURCES = [
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'delete', 'encryption', 'intelligent-tiering', 'inventory',
  'legal-hold', 'lifecycle', 'location', 'logging', 'metadataAnnotationTable', 'metadataConfiguration', 'metadataInventoryTable',
  'metadataJournalTable', 'metadataTable', 'metrics', 'notification',
  'object-lock', 'ownershipControls', 'partNumber', 'policy', 'policyStatus', 'publicAccessBlock', 'replication',
  'requestPayment', 'restore', 'retention', 'select', 'session', 'tagging', 'torrent', 'uploadId', 'uploads', 'versioning',
  'versions', 'website',
];

export function subresourceOf(query: URLSearchParams): string | undefined {
  return SUBRESOURCES.find((name) => query.has(name));
}

/** `s3:<name>`, or `s3:<versioned>` when the request names a versionId (GetObjectVersion…). */
function versioned(name: string, versionedName: string): (context: RequestContext) => string {
  return (context) => (context.query.has('versionId') ? `s3:${versionedName}` : `s3:${name}`);
}

/** s3:<action> on the request's bucket. */
export const onBucket = (action: string): RoutePermission => ({ action: `s3:${action}`, scope: 'bucket' });

/** s3:<action> on the request's object; with a second name, that action when a versionId is named. */
export function onObject(action: string, versionedAction?: string): RoutePermission {
  return { action: versionedAction === undefined ? `s3:${action}` : versioned(action, versionedAction), scope: 'object' };
}
