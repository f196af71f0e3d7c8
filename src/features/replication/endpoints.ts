// What replication adds to the S3 API: Put/Get/DeleteBucketReplication, each with its IAM action
// (DeleteBucketReplication is s3:PutReplicationConfiguration, as in S3).
import { onBucket, type S3Endpoint } from '../../frontend/s3/endpoint.js';
import { deleteBucketReplication, getBucketReplication, putBucketReplication } from './s3-operations.js';

export const REPLICATION_ENDPOINTS: readonly S3Endpoint[] = [
  { name: 'GetBucketReplication', level: 'bucket', method: 'GET', subresource: 'replication', permission: onBucket('GetReplicationConfiguration'), handler: getBucketReplication },
  { name: 'PutBucketReplication', level: 'bucket', method: 'PUT', subresource: 'replication', permission: onBucket('PutReplicationConfiguration'), handler: putBucketReplication },
  { name: 'DeleteBucketReplication', level: 'bucket', method: 'DELETE', subresource: 'replication', permission: onBucket('PutReplicationConfiguration'), handler: deleteBucketReplication },
];
