// The bucket and the multipart upload a request names, or S3's NoSuchBucket / NoSuchUpload. The
// request's own bucket is read once (with what authorization needs) and shared by CORS,
// authorization and the operation.
import { decodeBucketSetting, type BucketSettingValue, type RequestSettingKind } from '../../index/bucket-settings.js';
import type { BucketReads, BucketRecord, BucketWithAccess, UploadRecord } from '../../index/types.js';
import type { RequestContext } from '../context.js';
import { S3Error } from '../errors.js';

/** One bucket, with its access settings: read from the index on first use, answered from that read after. */
export type BucketLookup = () => Promise<BucketWithAccess | undefined>;

export function bucketLookupOnce(index: BucketReads, name: string): BucketLookup {
  let read: Promise<BucketWithAccess | undefined> | undefined;
  return () => (read ??= index.getBucketWithAccess(name));
}

/** The request's own bucket and its access settings (the one read per request); undefined when it does not exist. */
export function lookupRequestBucket(context: RequestContext): Promise<BucketWithAccess | undefined> {
  context.bucketLookup ??= bucketLookupOnce(context.layers.index, context.bucket!);
  return context.bucketLookup();
}

/**
 * A setting of a bucket that operations read on every object request (x-amz-expiration's lifecycle,
 * a new object's default encryption and Object Lock): for the request's own bucket, from its one
 * bucket read (no statement of its own), decoded here as readBucketSetting decodes it; for another
 * bucket, read from the index. Undefined when unset or the bucket does not exist.
 */
export async function requestBucketSetting<K extends RequestSettingKind>(context: RequestContext, bucket: string, kind: K): Promise<BucketSettingValue<K> | undefined> {
  if (bucket !== context.bucket) return context.layers.index.readBucketSetting(bucket, kind);
  const json = (await lookupRequestBucket(context))?.settingsJson[kind];
  return json === undefined ? undefined : decodeBucketSetting(bucket, kind, json);
}

/** The bucket a request names (read once per request); NoSuchBucket when it does not exist. */
export async function requireBucket(context: RequestContext): Promise<BucketRecord> {
  const found = await lookupRequestBucket(context);
  if (found === undefined) throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  return found.bucket;
}

export async function requireUpload(context: RequestContext): Promise<UploadRecord> {
  const uploadId = context.query.get('uploadId') ?? '';
  const upload = await context.layers.index.getUpload(context.bucket!, context.key!, uploadId);
  if (upload === undefined) throw new S3Error('NoSuchUpload', undefined, { extraFields: { UploadId: uploadId } });
  return upload;
}
