// The S3 API's endpoint table: every operation Cairn offers, the request that selects it and the IAM
// action it needs (after AWS's "Actions, resources, and condition keys for Amazon S3"). The first
// entry that matches a request routes it; a request no entry matches answers S3's own way
// (fallbackFor): 501 NotImplemented for a sub-resource Cairn does not offer yet, 405
// MethodNotAllowed otherwise, never a 500 or a wrong operation.
import { S3Error } from '../errors.js';
import type { RequestContext } from '../context.js';
import {
  deleteBucketOwnershipControls, deletePublicAccessBlock, getBucketAcl, getBucketOwnershipControls, getObjectAcl,
  getPublicAccessBlock, putBucketAcl, putBucketOwnershipControls, putObjectAcl, putPublicAccessBlock,
} from '../ops/access-control.js';
import { getObjectAttributes } from '../ops/attributes.js';
import { deleteBucketPolicy, getBucketPolicy, getBucketPolicyStatus, putBucketPolicy } from '../ops/bucket-policy.js';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from '../ops/buckets.js';
import { copyObject } from '../ops/copy.js';
import { deleteBucketCors, getBucketCors, putBucketCors } from '../ops/cors.js';
import { deleteObject, deleteObjects } from '../ops/delete.js';
import { getObject, headObject } from '../ops/get.js';
import { deleteBucketLifecycle, getBucketLifecycleConfiguration, putBucketLifecycleConfiguration } from '../ops/lifecycle.js';
import { listObjectsV1, listObjectsV2 } from '../ops/list.js';
import { abortMultipartUpload, createMultipartUpload, uploadPart, uploadPartCopy } from '../ops/multipart.js';
import { completeMultipartUpload } from '../ops/multipart-complete.js';
import { listMultipartUploads, listParts } from '../ops/multipart-list.js';
import {
  getObjectLegalHold, getObjectLockConfiguration, getObjectRetention, putObjectLegalHold, putObjectLockConfiguration, putObjectRetention,
} from '../ops/object-lock.js';
import { putObject } from '../ops/put.js';
import { restoreObject } from '../ops/restore.js';
import {
  deleteBucketTagging, deleteObjectTagging, getBucketTagging, getObjectTagging, putBucketTagging, putObjectTagging,
} from '../ops/tagging.js';
import { UNCONFIGURED_BUCKET_READS, UNCONFIGURED_OBJECT_READS } from '../ops/unconfigured.js';
import { getBucketVersioning, listObjectVersions, putBucketVersioning } from '../ops/versioning.js';
import { onBucket, onObject, subresourceOf, type S3Endpoint, type S3RequestLevel } from './endpoint.js';

const copying = (context: RequestContext): boolean => context.req.headers['x-amz-copy-source'] !== undefined;

/** The endpoints every S3 surface has, in match order. */
export const S3_ENDPOINTS: readonly S3Endpoint[] = [
  { name: 'ListBuckets', level: 'service', method: 'GET', subresource: '*', permission: { action: 's3:ListAllMyBuckets', scope: 'service' }, handler: listBuckets },

  { name: 'GetBucketLocation', level: 'bucket', method: 'GET', subresource: 'location', permission: onBucket('GetBucketLocation'), handler: getBucketLocation },
  { name: 'ListMultipartUploads', level: 'bucket', method: 'GET', subresource: 'uploads', permission: onBucket('ListBucketMultipartUploads'), handler: listMultipartUploads },
  { name: 'GetBucketTagging', level: 'bucket', method: 'GET', subresource: 'tagging', permission: onBucket('GetBucketTagging'), handler: getBucketTagging },
  { name: 'GetBucketVersioning', level: 'bucket', method: 'GET', subresource: 'versioning', permission: onBucket('GetBucketVersioning'), handler: getBucketVersioning },
  { name: 'ListObjectVersions', level: 'bucket', method: 'GET', subresource: 'versions', permission: onBucket('ListBucketVersions'), handler: listObjectVersions },
  { name: 'GetBucketCors', level: 'bucket', method: 'GET', subresource: 'cors', permission: onBucket('GetBucketCORS'), handler: getBucketCors },
  { name: 'GetBucketPolicy', level: 'bucket', method: 'GET', subresource: 'policy', permission: onBucket('GetBucketPolicy'), handler: getBucketPolicy },
  { name: 'GetBucketPolicyStatus', level: 'bucket', method: 'GET', subresource: 'policyStatus', permission: onBucket('GetBucketPolicyStatus'), handler: getBucketPolicyStatus },
  { name: 'GetPublicAccessBlock', level: 'bucket', method: 'GET', subresource: 'publicAccessBlock', permission: onBucket('GetBucketPublicAccessBlock'), handler: getPublicAccessBlock },
  { name: 'GetBucketOwnershipControls', level: 'bucket', method: 'GET', subresource: 'ownershipControls', permission: onBucket('GetBucketOwnershipControls'), handler: getBucketOwnershipControls },
  { name: 'GetBucketAcl', level: 'bucket', method: 'GET', subresource: 'acl', permission: onBucket('GetBucketAcl'), handler: getBucketAcl },
  { name: 'GetObjectLockConfiguration', level: 'bucket', method: 'GET', subresource: 'object-lock', permission: onBucket('GetBucketObjectLockConfiguration'), handler: getObjectLockConfiguration },
  { name: 'GetBucketLifecycleConfiguration', level: 'bucket', method: 'GET', subresource: 'lifecycle', permission: onBucket('GetLifecycleConfiguration'), handler: getBucketLifecycleConfiguration },
  { name: 'ListObjectsV2', level: 'bucket', method: 'GET', subresource: undefined, when: (context) => context.query.get('list-type') === '2', permission: onBucket('ListBucket'), handler: listObjectsV2 },
  { name: 'ListObjects', level: 'bucket', method: 'GET', subresource: undefined, permission: onBucket('ListBucket'), handler: listObjectsV1 },
  { name: 'HeadBucket', level: 'bucket', method: 'HEAD', subresource: '*', permission: onBucket('ListBucket'), handler: headBucket },
  { name: 'PutBucketTagging', level: 'bucket', method: 'PUT', subresource: 'tagging', permission: onBucket('PutBucketTagging'), handler: putBucketTagging },
  { name: 'PutBucketVersioning', level: 'bucket', method: 'PUT', subresource: 'versioning', permission: onBucket('PutBucketVersioning'), handler: putBucketVersioning },
  { name: 'PutBucketCors', level: 'bucket', method: 'PUT', subresource: 'cors', permission: onBucket('PutBucketCORS'), handler: putBucketCors },
  { name: 'PutBucketPolicy', level: 'bucket', method: 'PUT', subresource: 'policy', permission: onBucket('PutBucketPolicy'), handler: putBucketPolicy },
  { name: 'PutPublicAccessBlock', level: 'bucket', method: 'PUT', subresource: 'publicAccessBlock', permission: onBucket('PutBucketPublicAccessBlock'), handler: putPublicAccessBlock },
  { name: 'PutBucketOwnershipControls', level: 'bucket', method: 'PUT', subresource: 'ownershipControls', permission: onBucket('PutBucketOwnershipControls'), handler: putBucketOwnershipControls },
  { name: 'PutBucketAcl', level: 'bucket', method: 'PUT', subresource: 'acl', permission: onBucket('PutBucketAcl'), handler: putBucketAcl },
  { name: 'PutObjectLockConfiguration', level: 'bucket', method: 'PUT', subresource: 'object-lock', permission: onBucket('PutBucketObjectLockConfiguration'), handler: putObjectLockConfiguration },
  { name: 'PutBucketLifecycleConfiguration', level: 'bucket', method: 'PUT', subresource: 'lifecycle', permission: onBucket('PutLifecycleConfiguration'), handler: putBucketLifecycleConfiguration },
  { name: 'CreateBucket', level: 'bucket', method: 'PUT', subresource: undefined, permission: { action: 's3:CreateBucket', scope: 'create-bucket' }, handler: createBucket },
  { name: 'DeleteBucketTagging', level: 'bucket', method: 'DELETE', subresource: 'tagging', permission: onBucket('PutBucketTagging'), handler: deleteBucketTagging },
  { name: 'DeleteBucketCors', level: 'bucket', method: 'DELETE', subresource: 'cors', permission: onBucket('PutBucketCORS'), handler: deleteBucketCors },
  { name: 'DeleteBucketPolicy', level: 'bucket', method: 'DELETE', subresource: 'policy', permission: onBucket('DeleteBucketPolicy'), handler: deleteBucketPolicy },
  { name: 'DeletePublicAccessBlock', level: 'bucket', method: 'DELETE', subresource: 'publicAccessBlock', permission: onBucket('PutBucketPublicAccessBlock'), handler: deletePublicAccessBlock },
  { name: 'DeleteBucketOwnershipControls', level: 'bucket', method: 'DELETE', subresource: 'ownershipControls', permission: onBucket('PutBucketOwnershipControls'), handler: deleteBucketOwnershipControls },
  { name: 'DeleteBucketLifecycle', level: 'bucket', method: 'DELETE', subresource: 'lifecycle', permission: onBucket('PutLifecycleConfiguration'), handler: deleteBucketLifecycle },
  { name: 'DeleteBucket', level: 'bucket', method: 'DELETE', subresource: undefined, permission: onBucket('DeleteBucket'), handler: deleteBucket },
  // DeleteObjects has no action of its own: each key needs s3:DeleteObject (or DeleteObjectVersion).
  { name: 'DeleteObjects', level: 'bucket', method: 'POST', subresource: 'delete', permission: { action: 's3:DeleteObject', scope: 'per-key' }, handler: deleteObjects },

  { name: 'UploadPartCopy', level: 'upload', method: 'PUT', subresource: '*', when: (context) => context.query.has('partNumber') && copying(context), permission: onObject('PutObject'), handler: uploadPartCopy },
  { name: 'UploadPart', level: 'upload', method: 'PUT', subresource: '*', when: (context) => context.query.has('partNumber'), permission: onObject('PutObject'), handler: uploadPart },
  { name: 'CompleteMultipartUpload', level: 'upload', method: 'POST', subresource: '*', permission: onObject('PutObject'), handler: completeMultipartUpload },
  { name: 'AbortMultipartUpload', level: 'upload', method: 'DELETE', subresource: '*', permission: onObject('AbortMultipartUpload'), handler: abortMultipartUpload },
  { name: 'ListParts', level: 'upload', method: 'GET', subresource: '*', permission: onObject('ListMultipartUploadParts'), handler: listParts },

  { name: 'CreateMultipartUpload', level: 'object', method: 'POST', subresource: 'uploads', permission: onObject('PutObject'), handler: createMultipartUpload },
  { name: 'RestoreObject', level: 'object', method: 'POST', subresource: 'restore', permission: onObject('RestoreObject'), handler: restoreObject },
  { name: 'GetObjectAttributes', level: 'object', method: 'GET', subresource: 'attributes', permission: onObject('GetObjectAttributes', 'GetObjectVersionAttributes'), handler: getObjectAttributes },
  { name: 'GetObjectAcl', level: 'object', method: 'GET', subresource: 'acl', permission: onObject('GetObjectAcl', 'GetObjectVersionAcl'), handler: getObjectAcl },
  { name: 'PutObjectAcl', level: 'object', method: 'PUT', subresource: 'acl', permission: onObject('PutObjectAcl', 'PutObjectVersionAcl'), handler: putObjectAcl },
  { name: 'GetObjectRetention', level: 'object', method: 'GET', subresource: 'retention', permission: onObject('GetObjectRetention'), handler: getObjectRetention },
  { name: 'PutObjectRetention', level: 'object', method: 'PUT', subresource: 'retention', permission: onObject('PutObjectRetention'), handler: putObjectRetention },
  { name: 'GetObjectLegalHold', level: 'object', method: 'GET', subresource: 'legal-hold', permission: onObject('GetObjectLegalHold'), handler: getObjectLegalHold },
  { name: 'PutObjectLegalHold', level: 'object', method: 'PUT', subresource: 'legal-hold', permission: onObject('PutObjectLegalHold'), handler: putObjectLegalHold },
  { name: 'GetObjectTagging', level: 'object', method: 'GET', subresource: 'tagging', permission: onObject('GetObjectTagging', 'GetObjectVersionTagging'), handler: getObjectTagging },
  { name: 'PutObjectTagging', level: 'object', method: 'PUT', subresource: 'tagging', permission: onObject('PutObjectTagging', 'PutObjectVersionTagging'), handler: putObjectTagging },
  { name: 'DeleteObjectTagging', level: 'object', method: 'DELETE', subresource: 'tagging', permission: onObject('DeleteObjectTagging', 'DeleteObjectVersionTagging'), handler: deleteObjectTagging },
  // partNumber on GET/HEAD reads one part; it is a plain parameter there, not another operation.
  { name: 'GetObject', level: 'object', method: 'GET', subresource: undefined, permission: onObject('GetObject', 'GetObjectVersion'), handler: getObject },
  { name: 'GetObject', level: 'object', method: 'GET', subresource: 'partNumber', permission: onObject('GetObject', 'GetObjectVersion'), handler: getObject },
  { name: 'HeadObject', level: 'object', method: 'HEAD', subresource: undefined, permission: onObject('GetObject', 'GetObjectVersion'), handler: headObject },
  { name: 'HeadObject', level: 'object', method: 'HEAD', subresource: 'partNumber', permission: onObject('GetObject', 'GetObjectVersion'), handler: headObject },
  // The copy's source is authorized by the operation (s3:GetObject on it).
  { name: 'CopyObject', level: 'object', method: 'PUT', subresource: undefined, when: copying, permission: onObject('PutObject'), handler: copyObject },
  { name: 'PutObject', level: 'object', method: 'PUT', subresource: undefined, permission: onObject('PutObject'), handler: putObject },
  { name: 'DeleteObject', level: 'object', method: 'DELETE', subresource: undefined, permission: onObject('DeleteObject', 'DeleteObjectVersion'), handler: deleteObject },
];

/** The GET ?<sub-resource> reads of configuration Cairn cannot set yet, and the action each needs. */
const UNCONFIGURED_READ_ACTIONS: Record<string, string> = {
  notification: 'GetBucketNotification', requestPayment: 'GetBucketRequestPayment',
  accelerate: 'GetAccelerateConfiguration', lifecycle: 'GetLifecycleConfiguration', encryption: 'GetEncryptionConfiguration',
  replication: 'GetReplicationConfiguration',
};

function unconfiguredReads(level: 'bucket' | 'object', reads: Record<string, S3Endpoint['handler']>): S3Endpoint[] {
  return Object.entries(reads).map(([subresource, handler]) => {
    const action = UNCONFIGURED_READ_ACTIONS[subresource];
    const permission = action === undefined ? undefined : level === 'bucket' ? onBucket(action) : onObject(action);
    return { name: `GET ?${subresource}`, level, method: 'GET', subresource, permission, handler };
  });
}

/** Answers for configuration that cannot have been set: after every real endpoint, so a feature's entry wins. */
export const S3_UNCONFIGURED_ENDPOINTS: readonly S3Endpoint[] = [
  ...unconfiguredReads('bucket', UNCONFIGURED_BUCKET_READS),
  ...unconfiguredReads('object', UNCONFIGURED_OBJECT_READS),
];

export function levelOf(context: RequestContext): S3RequestLevel {
  if (context.bucket === undefined) return 'service';
  if (context.key === undefined) return 'bucket';
  return context.query.has('uploadId') ? 'upload' : 'object';
}

/** The first endpoint of `table` that matches the request, or undefined. */
export function findEndpoint(table: readonly S3Endpoint[], context: RequestContext): S3Endpoint | undefined {
  const level = levelOf(context);
  const subresource = subresourceOf(context.query);
  return table.find((endpoint) => endpoint.level === level && endpoint.method === context.method
    && (endpoint.subresource === '*' || endpoint.subresource === subresource)
    && (endpoint.when === undefined || endpoint.when(context)));
}

function notImplemented(what: string): S3Error {
  return new S3Error('NotImplemented', `${what} is not implemented yet.`);
}

/** The error for a request no endpoint matches, as S3 words it. */
export function fallbackFor(context: RequestContext): S3Error {
  const { method } = context;
  const subresource = subresourceOf(context.query);
  const level = levelOf(context);
  if (level === 'bucket' && (method === 'GET' || method === 'PUT' || method === 'DELETE' || method === 'POST')) {
    return notImplemented(`${method} ?${subresource ?? ''}`);
  }
  if (level === 'object' && subresource !== undefined) return notImplemented(`${method} ?${subresource} on an object`);
  if (level === 'object' && method === 'POST') return notImplemented('POST on an object');
  return new S3Error('MethodNotAllowed');
}
