// The IAM action each routed operation needs, after AWS's "Actions, resources, and condition keys for
// Amazon S3": what http-server.ts authorizes before the operation runs. An operation missing here
// is allowed to its bucket's owner (and root) only, so a new route is never open by accident; add
// it here when it lands.
import type { RequestContext } from './context.js';
import type { RoutePermission } from './auth/authorize.js';
import type { Operation } from './router.js';
import {
  deleteBucketOwnershipControls, deletePublicAccessBlock, getBucketAcl, getBucketOwnershipControls, getObjectAcl,
  getPublicAccessBlock, putBucketAcl, putBucketOwnershipControls, putObjectAcl, putPublicAccessBlock,
} from './ops/access-control.js';
import { getObjectAttributes } from './ops/attributes.js';
import {
  createBucketMetadataConfiguration, createBucketMetadataTableConfiguration, deleteBucketMetadataConfiguration, getBucketMetadataConfiguration,
  getBucketMetadataTableConfiguration, updateBucketMetadataInventoryTableConfiguration, updateBucketMetadataJournalTableConfiguration,
} from './ops/metadata.js';
import { deleteBucketLifecycle, getBucketLifecycleConfiguration, putBucketLifecycleConfiguration } from './ops/lifecycle.js';
import {
  getObjectLegalHold, getObjectLockConfiguration, getObjectRetention, putObjectLegalHold, putObjectLockConfiguration, putObjectRetention,
} from './ops/object-lock.js';
import { deleteBucketPolicy, getBucketPolicy, getBucketPolicyStatus, putBucketPolicy } from './ops/bucket-policy.js';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from './ops/buckets.js';
import { copyObject } from './ops/copy.js';
import { deleteBucketCors, getBucketCors, putBucketCors } from './ops/cors.js';
import { deleteObject, deleteObjects } from './ops/delete.js';
import { getObject, headObject } from './ops/get.js';
import { listObjectsV1, listObjectsV2 } from './ops/list.js';
import { abortMultipartUpload, createMultipartUpload, uploadPart, uploadPartCopy } from './ops/multipart.js';
import { completeMultipartUpload } from './ops/multipart-complete.js';
import { listMultipartUploads, listParts } from './ops/multipart-list.js';
import { putObject } from './ops/put.js';
import {
  deleteBucketTagging, deleteObjectTagging, getBucketTagging, getObjectTagging, putBucketTagging, putObjectTagging,
} from './ops/tagging.js';
import { UNCONFIGURED_BUCKET_READS, UNCONFIGURED_OBJECT_READS } from './ops/unconfigured.js';
import { getBucketVersioning, listObjectVersions, putBucketVersioning } from './ops/versioning.js';

/** `s3:<name>`, or `s3:<versioned>` when the request names a versionId (GetObjectVersion…). */
function versioned(name: string, versionedName: string): (context: RequestContext) => string {
  return (context) => (context.query.has('versionId') ? `s3:${versionedName}` : `s3:${name}`);
}

const bucket = (action: string): RoutePermission => ({ action: `s3:${action}`, scope: 'bucket' });
const object = (action: string | ((context: RequestContext) => string)): RoutePermission =>
  ({ action: typeof action === 'string' ? `s3:${action}` : action, scope: 'object' });

const PERMISSIONS = new Map<Operation, RoutePermission>([
  [listBuckets, { action: 's3:ListAllMyBuckets', scope: 'service' }],
  [createBucket, { action: 's3:CreateBucket', scope: 'create-bucket' }],
  [deleteBucket, bucket('DeleteBucket')],
  [headBucket, bucket('ListBucket')],
  [getBucketLocation, bucket('GetBucketLocation')],
  [listObjectsV1, bucket('ListBucket')],
  [listObjectsV2, bucket('ListBucket')],
  [listObjectVersions, bucket('ListBucketVersions')],
  [listMultipartUploads, bucket('ListBucketMultipartUploads')],
  [getBucketTagging, bucket('GetBucketTagging')],
  [putBucketTagging, bucket('PutBucketTagging')],
  [deleteBucketTagging, bucket('PutBucketTagging')],
  [getBucketVersioning, bucket('GetBucketVersioning')],
  [putBucketVersioning, bucket('PutBucketVersioning')],
  [getBucketCors, bucket('GetBucketCORS')],
  [putBucketCors, bucket('PutBucketCORS')],
  [deleteBucketCors, bucket('PutBucketCORS')],
  [getBucketPolicy, bucket('GetBucketPolicy')],
  [putBucketPolicy, bucket('PutBucketPolicy')],
  [deleteBucketPolicy, bucket('DeleteBucketPolicy')],
  [getBucketPolicyStatus, bucket('GetBucketPolicyStatus')],
  [getPublicAccessBlock, bucket('GetBucketPublicAccessBlock')],
  [putPublicAccessBlock, bucket('PutBucketPublicAccessBlock')],
  [deletePublicAccessBlock, bucket('PutBucketPublicAccessBlock')],
  [getBucketOwnershipControls, bucket('GetBucketOwnershipControls')],
  [putBucketOwnershipControls, bucket('PutBucketOwnershipControls')],
  [deleteBucketOwnershipControls, bucket('PutBucketOwnershipControls')],
  [getBucketAcl, bucket('GetBucketAcl')],
  [getObjectLockConfiguration, bucket('GetBucketObjectLockConfiguration')],
  [putObjectLockConfiguration, bucket('PutBucketObjectLockConfiguration')],
  [getBucketLifecycleConfiguration, bucket('GetLifecycleConfiguration')],
  [putBucketLifecycleConfiguration, bucket('PutLifecycleConfiguration')],
  [deleteBucketLifecycle, bucket('PutLifecycleConfiguration')],
  [createBucketMetadataConfiguration, bucket('CreateBucketMetadataTableConfiguration')],
  [createBucketMetadataTableConfiguration, bucket('CreateBucketMetadataTableConfiguration')],
  [getBucketMetadataConfiguration, bucket('GetBucketMetadataTableConfiguration')],
  [getBucketMetadataTableConfiguration, bucket('GetBucketMetadataTableConfiguration')],
  [deleteBucketMetadataConfiguration, bucket('DeleteBucketMetadataTableConfiguration')],
  [updateBucketMetadataJournalTableConfiguration, bucket('UpdateBucketMetadataJournalTableConfiguration')],
  [updateBucketMetadataInventoryTableConfiguration, bucket('UpdateBucketMetadataInventoryTableConfiguration')],
  [putBucketAcl, bucket('PutBucketAcl')],
  // DeleteObjects has no action of its own: each key needs s3:DeleteObject (or DeleteObjectVersion).
  [deleteObjects, { action: 's3:DeleteObject', scope: 'per-key' }],
  [getObject, object(versioned('GetObject', 'GetObjectVersion'))],
  [headObject, object(versioned('GetObject', 'GetObjectVersion'))],
  [getObjectAttributes, object(versioned('GetObjectAttributes', 'GetObjectVersionAttributes'))],
  [putObject, object('PutObject')],
  // The copy's source is authorized by the operation (s3:GetObject on it).
  [copyObject, object('PutObject')],
  [deleteObject, object(versioned('DeleteObject', 'DeleteObjectVersion'))],
  [getObjectTagging, object(versioned('GetObjectTagging', 'GetObjectVersionTagging'))],
  [putObjectTagging, object(versioned('PutObjectTagging', 'PutObjectVersionTagging'))],
  [deleteObjectTagging, object(versioned('DeleteObjectTagging', 'DeleteObjectVersionTagging'))],
  [getObjectAcl, object(versioned('GetObjectAcl', 'GetObjectVersionAcl'))],
  [putObjectAcl, object(versioned('PutObjectAcl', 'PutObjectVersionAcl'))],
  [getObjectRetention, object('GetObjectRetention')],
  [putObjectRetention, object('PutObjectRetention')],
  [getObjectLegalHold, object('GetObjectLegalHold')],
  [putObjectLegalHold, object('PutObjectLegalHold')],
  [createMultipartUpload, object('PutObject')],
  [uploadPart, object('PutObject')],
  [uploadPartCopy, object('PutObject')],
  [completeMultipartUpload, object('PutObject')],
  [abortMultipartUpload, object('AbortMultipartUpload')],
  [listParts, object('ListMultipartUploadParts')],
]);

/** The GET ?<sub-resource> reads of configuration Cairn cannot set yet, by sub-resource. */
const UNCONFIGURED_READ_ACTIONS: Record<string, string> = {
  logging: 'GetBucketLogging', notification: 'GetBucketNotification', requestPayment: 'GetBucketRequestPayment',
  accelerate: 'GetAccelerateConfiguration', lifecycle: 'GetLifecycleConfiguration', encryption: 'GetEncryptionConfiguration',
  website: 'GetBucketWebsite', replication: 'GetReplicationConfiguration',
};
for (const [subresource, operation] of Object.entries(UNCONFIGURED_BUCKET_READS)) {
  const action = UNCONFIGURED_READ_ACTIONS[subresource];
  if (action !== undefined) PERMISSIONS.set(operation, bucket(action));
}
for (const [subresource, operation] of Object.entries(UNCONFIGURED_OBJECT_READS)) {
  const action = UNCONFIGURED_READ_ACTIONS[subresource];
  if (action !== undefined) PERMISSIONS.set(operation, object(action));
}

/** The permission an operation needs; undefined: its bucket's owner only. */
export function permissionFor(operation: Operation): RoutePermission | undefined {
  return PERMISSIONS.get(operation);
}
