// What S3 Metadata adds to the S3 API: its configuration endpoints (the V2 ?metadataConfiguration
// family and the V1 ?metadataTable), each with its IAM action, and the system bucket that holds the
// tables, which clients may read but only Cairn writes.
import { onBucket, type S3Endpoint } from '../../frontend/s3/endpoint.js';
import { METADATA_SYSTEM_BUCKET } from './names.js';
import {
  createBucketMetadataConfiguration,
  createBucketMetadataTableConfiguration,
  deleteBucketMetadataConfiguration,
  getBucketMetadataConfiguration,
  getBucketMetadataTableConfiguration,
  updateBucketMetadataInventoryTableConfiguration,
  updateBucketMetadataJournalTableConfiguration,
} from './s3-operations.js';

const CREATE = onBucket('CreateBucketMetadataTableConfiguration');
const GET = onBucket('GetBucketMetadataTableConfiguration');
const DELETE = onBucket('DeleteBucketMetadataTableConfiguration');

export const METADATA_ENDPOINTS: readonly S3Endpoint[] = [
  { name: 'GetBucketMetadataConfiguration', level: 'bucket', method: 'GET', subresource: 'metadataConfiguration', permission: GET, handler: getBucketMetadataConfiguration },
  { name: 'GetBucketMetadataTableConfiguration', level: 'bucket', method: 'GET', subresource: 'metadataTable', permission: GET, handler: getBucketMetadataTableConfiguration },
  {
    name: 'UpdateBucketMetadataJournalTableConfiguration', level: 'bucket', method: 'PUT', subresource: 'metadataJournalTable',
    permission: onBucket('UpdateBucketMetadataJournalTableConfiguration'), handler: updateBucketMetadataJournalTableConfiguration,
  },
  {
    name: 'UpdateBucketMetadataInventoryTableConfiguration', level: 'bucket', method: 'PUT', subresource: 'metadataInventoryTable',
    permission: onBucket('UpdateBucketMetadataInventoryTableConfiguration'), handler: updateBucketMetadataInventoryTableConfiguration,
  },
  { name: 'DeleteBucketMetadataConfiguration', level: 'bucket', method: 'DELETE', subresource: 'metadataConfiguration', permission: DELETE, handler: deleteBucketMetadataConfiguration },
  { name: 'DeleteBucketMetadataTableConfiguration', level: 'bucket', method: 'DELETE', subresource: 'metadataTable', permission: DELETE, handler: deleteBucketMetadataConfiguration },
  { name: 'CreateBucketMetadataConfiguration', level: 'bucket', method: 'POST', subresource: 'metadataConfiguration', permission: CREATE, handler: createBucketMetadataConfiguration },
  { name: 'CreateBucketMetadataTableConfiguration', level: 'bucket', method: 'POST', subresource: 'metadataTable', permission: CREATE, handler: createBucketMetadataTableConfiguration },
];

/** The metadata tables' bucket: clients may read it; only Cairn writes it (or creates or deletes it). */
export const METADATA_PROTECTED_BUCKETS: ReadonlyMap<string, string> = new Map([
  [METADATA_SYSTEM_BUCKET, `The bucket ${METADATA_SYSTEM_BUCKET} holds the S3 Metadata tables and is written by Cairn only.`],
]);
