// What event notifications add to the S3 API: Put/GetBucketNotificationConfiguration, each with its IAM action.
import { onBucket, type S3Endpoint } from '../../frontend/s3/endpoint.js';
import { getBucketNotificationConfiguration, putBucketNotificationConfiguration } from './s3-operations.js';

export const EVENTS_ENDPOINTS: readonly S3Endpoint[] = [
  {
    name: 'GetBucketNotificationConfiguration', level: 'bucket', method: 'GET', subresource: 'notification',
    permission: onBucket('GetBucketNotification'), handler: getBucketNotificationConfiguration,
  },
  {
    name: 'PutBucketNotificationConfiguration', level: 'bucket', method: 'PUT', subresource: 'notification',
    permission: onBucket('PutBucketNotification'), handler: putBucketNotificationConfiguration,
  },
];
