// Routes an authenticated request to its operation by method, by whether it names a bucket and a
// key, and by S3's query sub-resources (?location, ?delete, ?uploads…). Sub-resources of operations
// Cairn does not offer yet answer 501 NotImplemented, never a 500 or a wrong operation.
import type { RequestContext } from './context.js';
import { S3Error } from './errors.js';
import {
  deleteBucketOwnershipControls,
  deletePublicAccessBlock,
  getBucketAcl,
  getBucketOwnershipControls,
  getObjectAcl,
  getPublicAccessBlock,
  putBucketAcl,
  putBucketOwnershipControls,
  putObjectAcl,
  putPublicAccessBlock,
} from './ops/access-control.js';
import { deleteBucketPolicy, getBucketPolicy, getBucketPolicyStatus, putBucketPolicy } from './ops/bucket-policy.js';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from './ops/buckets.js';
import { copyObject } from './ops/copy.js';
import { deleteBucketCors, getBucketCors, putBucketCors } from './ops/cors.js';
import { deleteObject, deleteObjects } from './ops/delete.js';
import { getObject, headObject } from './ops/get.js';
import { getObjectAttributes } from './ops/attributes.js';
import { deleteBucketLifecycle, getBucketLifecycleConfiguration, putBucketLifecycleConfiguration } from './ops/lifecycle.js';
import { listObjectsV1, listObjectsV2 } from './ops/list.js';
import {
  createBucketMetadataConfiguration,
  createBucketMetadataTableConfiguration,
  deleteBucketMetadataConfiguration,
  getBucketMetadataConfiguration,
  getBucketMetadataTableConfiguration,
  updateBucketMetadataInventoryTableConfiguration,
  updateBucketMetadataJournalTableConfiguration,
} from './ops/metadata.js';
import { METADATA_SYSTEM_BUCKET } from '../services/metadata/names.js';
import { abortMultipartUpload, createMultipartUpload, uploadPart, uploadPartCopy } from './ops/multipart.js';
import { completeMultipartUpload } from './ops/multipart-complete.js';
import { listMultipartUploads, listParts } from './ops/multipart-list.js';
import {
  getObjectLegalHold,
  getObjectLockConfiguration,
  getObjectRetention,
  putObjectLegalHold,
  putObjectLockConfiguration,
  putObjectRetention,
} from './ops/object-lock.js';
import { putObject } from './ops/put.js';
import { UNCONFIGURED_BUCKET_READS, UNCONFIGURED_OBJECT_READS } from './ops/unconfigured.js';
import { getBucketVersioning, listObjectVersions, putBucketVersioning } from './ops/versioning.js';
import {
  deleteBucketTagging,
  deleteObjectTagging,
  getBucketTagging,
  getObjectTagging,
  putBucketTagging,
  putObjectTagging,
} from './ops/tagging.js';

export type Operation = (context: RequestContext) => Promise<void>;

/** Query parameters that select a different S3 operation on the same path. */
const SUBRESOURCES = [
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'delete', 'encryption', 'intelligent-tiering', 'inventory',
  'legal-hold', 'lifecycle', 'location', 'logging', 'metadataAnnotationTable', 'metadataConfiguration', 'metadataInventoryTable',
  'metadataJournalTable', 'metadataTable', 'metrics', 'notification',
  'object-lock', 'ownershipControls', 'partNumber', 'policy', 'policyStatus', 'publicAccessBlock', 'replication',
  'requestPayment', 'restore', 'retention', 'select', 'session', 'tagging', 'torrent', 'uploadId', 'uploads', 'versioning',
  'versions', 'website',
];

function subresourceOf(query: URLSearchParams): string | undefined {
  return SUBRESOURCES.find((name) => query.has(name));
}

/**
 * POST Object (a browser's form upload): a POST to a bucket with no sub-resource. It is
 * authenticated by its form fields, not its headers, so the server hands it to its handler before
 * header authentication and it never reaches route().
 */
export function isPostObject(method: string, bucket: string | undefined, key: string | undefined, query: URLSearchParams): boolean {
  return method === 'POST' && bucket !== undefined && key === undefined && subresourceOf(query) === undefined;
}

function notImplemented(what: string): never {
  throw new S3Error('NotImplemented', `${what} is not implemented yet.`);
}

function methodNotAllowed(): never {
  throw new S3Error('MethodNotAllowed');
}

function routeService(context: RequestContext): Operation {
  if (context.method === 'GET') return listBuckets;
  methodNotAllowed();
}

function routeBucket(context: RequestContext): Operation {
  const subresource = subresourceOf(context.query);
  switch (context.method) {
    case 'GET':
      if (subresource === 'location') return getBucketLocation;
      if (subresource === 'uploads') return listMultipartUploads;
      if (subresource === 'tagging') return getBucketTagging;
      if (subresource === 'versioning') return getBucketVersioning;
      if (subresource === 'versions') return listObjectVersions;
      if (subresource === 'cors') return getBucketCors;
      if (subresource === 'policy') return getBucketPolicy;
      if (subresource === 'policyStatus') return getBucketPolicyStatus;
      if (subresource === 'publicAccessBlock') return getPublicAccessBlock;
      if (subresource === 'ownershipControls') return getBucketOwnershipControls;
      if (subresource === 'acl') return getBucketAcl;
      if (subresource === 'object-lock') return getObjectLockConfiguration;
      if (subresource === 'lifecycle') return getBucketLifecycleConfiguration;
      if (subresource === 'metadataConfiguration') return getBucketMetadataConfiguration;
      if (subresource === 'metadataTable') return getBucketMetadataTableConfiguration;
      if (subresource !== undefined && UNCONFIGURED_BUCKET_READS[subresource] !== undefined) return UNCONFIGURED_BUCKET_READS[subresource];
      if (subresource !== undefined) notImplemented(`GET ?${subresource}`);
      return context.query.get('list-type') === '2' ? listObjectsV2 : listObjectsV1;
    case 'HEAD':
      return headBucket;
    case 'PUT':
      if (subresource === 'tagging') return putBucketTagging;
      if (subresource === 'versioning') return putBucketVersioning;
      if (subresource === 'cors') return putBucketCors;
      if (subresource === 'policy') return putBucketPolicy;
      if (subresource === 'publicAccessBlock') return putPublicAccessBlock;
      if (subresource === 'ownershipControls') return putBucketOwnershipControls;
      if (subresource === 'acl') return putBucketAcl;
      if (subresource === 'object-lock') return putObjectLockConfiguration;
      if (subresource === 'lifecycle') return putBucketLifecycleConfiguration;
      if (subresource === 'metadataJournalTable') return updateBucketMetadataJournalTableConfiguration;
      if (subresource === 'metadataInventoryTable') return updateBucketMetadataInventoryTableConfiguration;
      if (subresource !== undefined) notImplemented(`PUT ?${subresource}`);
      return createBucket;
    case 'DELETE':
      if (subresource === 'tagging') return deleteBucketTagging;
      if (subresource === 'cors') return deleteBucketCors;
      if (subresource === 'policy') return deleteBucketPolicy;
      if (subresource === 'publicAccessBlock') return deletePublicAccessBlock;
      if (subresource === 'ownershipControls') return deleteBucketOwnershipControls;
      if (subresource === 'lifecycle') return deleteBucketLifecycle;
      if (subresource === 'metadataConfiguration' || subresource === 'metadataTable') return deleteBucketMetadataConfiguration;
      if (subresource !== undefined) notImplemented(`DELETE ?${subresource}`);
      return deleteBucket;
    case 'POST':
      if (subresource === 'delete') return deleteObjects;
      if (subresource === 'metadataConfiguration') return createBucketMetadataConfiguration;
      if (subresource === 'metadataTable') return createBucketMetadataTableConfiguration;
      notImplemented(`POST ?${subresource ?? ''}`);
  }
  methodNotAllowed();
}

function routeObject(context: RequestContext): Operation {
  const { query, method } = context;
  const copying = context.req.headers['x-amz-copy-source'] !== undefined;
  if (query.has('uploadId')) {
    if (method === 'PUT' && query.has('partNumber')) return copying ? uploadPartCopy : uploadPart;
    if (method === 'POST') return completeMultipartUpload;
    if (method === 'DELETE') return abortMultipartUpload;
    if (method === 'GET') return listParts;
    methodNotAllowed();
  }
  const subresource = subresourceOf(query);
  if (method === 'POST' && subresource === 'uploads') return createMultipartUpload;
  if (method === 'GET' && subresource === 'attributes') return getObjectAttributes;
  if (subresource === 'acl' && method === 'GET') return getObjectAcl;
  if (subresource === 'acl' && method === 'PUT') return putObjectAcl;
  if (method === 'GET' && subresource !== undefined && UNCONFIGURED_OBJECT_READS[subresource] !== undefined) return UNCONFIGURED_OBJECT_READS[subresource];
  if (subresource === 'retention') {
    if (method === 'GET') return getObjectRetention;
    if (method === 'PUT') return putObjectRetention;
  }
  if (subresource === 'legal-hold') {
    if (method === 'GET') return getObjectLegalHold;
    if (method === 'PUT') return putObjectLegalHold;
  }
  if (subresource === 'tagging') {
    if (method === 'GET') return getObjectTagging;
    if (method === 'PUT') return putObjectTagging;
    if (method === 'DELETE') return deleteObjectTagging;
  }
  // partNumber on GET/HEAD reads one part; it is a plain parameter there, not another operation.
  if (subresource !== undefined && !(subresource === 'partNumber' && (method === 'GET' || method === 'HEAD'))) {
    notImplemented(`${method} ?${subresource} on an object`);
  }
  switch (method) {
    case 'GET':
      return getObject;
    case 'HEAD':
      return headObject;
    case 'PUT':
      return copying ? copyObject : putObject;
    case 'DELETE':
      return deleteObject;
    case 'POST':
      notImplemented('POST on an object');
  }
  methodNotAllowed();
}

/** The metadata tables' bucket: clients may read it; only Cairn writes it (or creates or deletes it). */
function guardSystemBucket(context: RequestContext): void {
  if (context.bucket === METADATA_SYSTEM_BUCKET && context.method !== 'GET' && context.method !== 'HEAD') {
    throw new S3Error('AccessDenied', `The bucket ${METADATA_SYSTEM_BUCKET} holds the S3 Metadata tables and is written by Cairn only.`);
  }
}

export function route(context: RequestContext): Operation {
  if (context.bucket === undefined) return routeService(context);
  guardSystemBucket(context);
  if (context.key === undefined) return routeBucket(context);
  return routeObject(context);
}
