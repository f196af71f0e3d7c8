// Put/Get/DeleteBucketWebsite: the S3 endpoints of static website hosting, added to the S3 surface's
// table by src/cli/surfaces.ts. The configuration is the bucket's 'website' setting.
import type { RequestContext } from '../../frontend/context.js';
import { S3Error } from '../../frontend/errors.js';
import { readSmallBody } from '../../frontend/payload.js';
import { requireBucket } from '../../frontend/request/bucket.js';
import { sendEmpty, sendXml } from '../../frontend/respond.js';
import { onBucket, type S3Endpoint } from '../../frontend/s3/endpoint.js';
import { xmlDocument } from '../../frontend/xml.js';
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import { parseWebsiteConfiguration, websiteConfigurationNodes } from './configuration.js';

function noSuchBucket(context: RequestContext): S3Error {
  return new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
}

async function putBucketWebsite(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  const configuration = parseWebsiteConfiguration(body);
  if (!(await context.layers.index.writeBucketSetting(context.bucket!, 'website', configuration))) throw noSuchBucket(context);
  sendEmpty(context.res, 200);
}

async function getBucketWebsite(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const configuration = await context.layers.index.readBucketSetting(context.bucket!, 'website');
  if (configuration === undefined) throw new S3Error('NoSuchWebsiteConfiguration', undefined, { extraFields: { BucketName: context.bucket! } });
  sendXml(context.res, 200, xmlDocument('WebsiteConfiguration', websiteConfigurationNodes(configuration)));
}

async function deleteBucketWebsite(context: RequestContext): Promise<void> {
  await requireBucket(context);
  await context.layers.index.writeBucketSetting(context.bucket!, 'website', undefined);
  sendEmpty(context.res, 204);
}

export const WEBSITE_S3_ENDPOINTS: readonly S3Endpoint[] = [
  { name: 'PutBucketWebsite', level: 'bucket', method: 'PUT', subresource: 'website', permission: onBucket('PutBucketWebsite'), handler: putBucketWebsite },
  { name: 'GetBucketWebsite', level: 'bucket', method: 'GET', subresource: 'website', permission: onBucket('GetBucketWebsite'), handler: getBucketWebsite },
  { name: 'DeleteBucketWebsite', level: 'bucket', method: 'DELETE', subresource: 'website', permission: onBucket('DeleteBucketWebsite'), handler: deleteBucketWebsite },
];
