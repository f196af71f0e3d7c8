// Put/GetBucketLogging. The target bucket must exist, belong to the source bucket's owner and be in
// its region (S3's InvalidTargetBucketForLogging and CrossLocationLoggingProhibitted). On AWS the
// target bucket's policy must also let logging.s3.amazonaws.com put objects; Cairn delivers as the
// bucket owner itself, so the owner check is the whole permission check (docs: README, "Server access logging").
import type { RequestContext } from '../../frontend/context.js';
import { S3Error } from '../../frontend/errors.js';
import { readSmallBody } from '../../frontend/payload.js';
import { requireBucket } from '../../frontend/request/bucket.js';
import { sendEmpty, sendXml } from '../../frontend/respond.js';
import { parseXmlBody } from '../../frontend/xml.js';
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import { loggingStatusDocument, parseLoggingStatus } from './configuration.js';

function noSuchBucket(bucket: string): S3Error {
  return new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: bucket } });
}

export async function putBucketLogging(context: RequestContext): Promise<void> {
  const source = await requireBucket(context);
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  const setting = parseLoggingStatus(parseXmlBody(body));
  if (setting !== undefined) {
    const target = await context.layers.index.getBucket(setting.targetBucket);
    if (target === undefined) {
      throw new S3Error('InvalidTargetBucketForLogging', 'The target bucket for logging does not exist', { extraFields: { TargetBucket: setting.targetBucket } });
    }
    if (target.ownerId !== source.ownerId) {
      throw new S3Error('InvalidTargetBucketForLogging', 'The owner for the bucket to be logged and the target bucket must be the same.', { extraFields: { TargetBucket: setting.targetBucket } });
    }
    if (target.region !== source.region) throw new S3Error('CrossLocationLoggingProhibitted', undefined, { extraFields: { TargetBucketLocation: target.region } });
  }
  if (!(await context.layers.index.writeBucketSetting(context.bucket!, 'logging', setting))) throw noSuchBucket(context.bucket!);
  sendEmpty(context.res, 200);
}

export async function getBucketLogging(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const setting = await context.layers.index.readBucketSetting(context.bucket!, 'logging');
  sendXml(context.res, 200, loggingStatusDocument(setting));
}
