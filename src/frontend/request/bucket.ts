// The bucket and the multipart upload a request names, or S3's NoSuchBucket / NoSuchUpload.
import type { BucketRecord, UploadRecord } from '../../index/types.js';
import type { RequestContext } from '../context.js';
import { S3Error } from '../errors.js';

/** The bucket a request names (read once per request); NoSuchBucket when it does not exist. */
export async function requireBucket(context: RequestContext): Promise<BucketRecord> {
  context.bucketRecord ??= context.layers.index.getBucket(context.bucket!);
  const bucket = await context.bucketRecord;
  if (bucket === undefined) throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  return bucket;
}

export async function requireUpload(context: RequestContext): Promise<UploadRecord> {
  const uploadId = context.query.get('uploadId') ?? '';
  const upload = await context.layers.index.getUpload(context.bucket!, context.key!, uploadId);
  if (upload === undefined) throw new S3Error('NoSuchUpload', undefined, { extraFields: { UploadId: uploadId } });
  return upload;
}
