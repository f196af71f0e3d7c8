import { S3Client, CreateBucketCommand, PutObjectCommand, CreateBucketMetadataConfigurationCommand, GetBucketMetadataConfigurationCommand, PutObjectTaggingCommand, DeleteObjectCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
const s3 = new S3Client({ endpoint: 'http://127.0.0.1:9123', region: 'us-east-1', credentials: { accessKeyId: 'AKSMOKE', secretAccessKey: 'secretsmoke' } });
await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
await s3.send(new CreateBucketMetadataConfigurationCommand({ Bucket: 'photos', MetadataConfiguration: { JournalTableConfiguration: { RecordExpiration: { Expiration: 'ENABLED', Days: 7 } }, InventoryTableConfiguration: { ConfigurationState: 'ENABLED' } } }));
for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: `k${i}.jpg`, Body: 'x'.repeat(i), Metadata: { a: String(i) } }));
await s3.send(new PutObjectTaggingCommand({ Bucket: 'photos', Key: 'k1.jpg', Tagging: { TagSet: [{ Key: 't', Value: 'v' }] } }));
await s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'k2.jpg' }));
console.log(JSON.stringify((await s3.send(new GetBucketMetadataConfigurationCommand({ Bucket: 'photos' }))).GetBucketMetadataConfigurationResult, null, 1));
