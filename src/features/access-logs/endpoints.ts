// What server access logging adds to the S3 API: Put/GetBucketLogging, each with its IAM action.
import { onBucket, type S3Endpoint } from '../../frontend/s3/endpoint.js';
import { getBucketLogging, putBucketLogging } from './s3-operations.js';

export const ACCESS_LOG_ENDPOINTS: readonly S3Endpoint[] = [
  { name: 'GetBucketLogging', level: 'bucket', method: 'GET', subresource: 'logging', permission: onBucket('GetBucketLogging'), handler: getBucketLogging },
  { name: 'PutBucketLogging', level: 'bucket', method: 'PUT', subresource: 'logging', permission: onBucket('PutBucketLogging'), handler: putBucketLogging },
];
