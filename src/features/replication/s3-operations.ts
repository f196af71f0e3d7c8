// Put/Get/DeleteBucketReplication: the document checked as S3 checks it (versioning Enabled on the
// source, each destination a versioned bucket of this server or a bucket behind an s3 target),
// stored as the 'replication' setting. The Role's name picks the target: a Role that names an s3
// target sends every destination through that target's endpoint and credentials.
import type { ReplicationConfiguration } from '../../index/types.js';
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import type { RequestContext } from '../../frontend/context.js';
import { S3Error } from '../../frontend/errors.js';
import { readSmallBody } from '../../frontend/payload.js';
import { sendEmpty, sendXml } from '../../frontend/respond.js';
import { parseXmlBody, xmlDocument } from '../../frontend/xml.js';
import { requireBucket } from '../../frontend/request/bucket.js';
import { parseReplicationDocument, renderReplicationConfiguration } from './configuration.js';

function noSuchBucket(context: RequestContext): S3Error {
  return new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
}

export async function getBucketReplication(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const configuration = await context.layers.index.readBucketSetting(context.bucket!, 'replication');
  if (configuration === undefined) throw new S3Error('ReplicationConfigurationNotFoundError', undefined, { extraFields: { BucketName: context.bucket! } });
  sendXml(context.res, 200, xmlDocument('ReplicationConfiguration', renderReplicationConfiguration(configuration)));
}

/** Destinations on this server must exist and keep versions (S3 checks its own buckets the same way). */
async function checkLocalDestinations(context: RequestContext, configuration: ReplicationConfiguration): Promise<void> {
  for (const bucket of new Set(configuration.rules.map((rule) => rule.destination.bucket))) {
    const destination = await context.layers.index.getBucket(bucket);
    if (destination === undefined) throw new S3Error('InvalidRequest', 'Destination bucket must exist.');
    if (destination.versioning !== 'Enabled') throw new S3Error('InvalidRequest', 'Destination bucket must have versioning enabled.');
    if (bucket === context.bucket) throw new S3Error('InvalidRequest', 'Destination bucket cannot be the same as the source bucket.');
  }
}

export async function putBucketReplication(context: RequestContext): Promise<void> {
  const bucket = await requireBucket(context);
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  const root = parseXmlBody(body)['ReplicationConfiguration'];
  if (root === undefined || root === '' || Array.isArray(root) || typeof root !== 'object') throw new S3Error('MalformedXML');
  const parsed = parseReplicationDocument(root as Record<string, unknown>);
  if (bucket.versioning !== 'Enabled') {
    throw new S3Error('InvalidRequest', "Versioning must be 'Enabled' on the bucket to apply a replication configuration");
  }
  const target = await context.layers.index.getEventTarget(parsed.roleName);
  const configuration: ReplicationConfiguration = { role: parsed.role, rules: parsed.rules };
  if (target !== undefined && target.kind === 's3') {
    configuration.target = target.name;
    const only = target.settings['bucket'];
    if (only !== undefined && parsed.rules.some((rule) => rule.destination.bucket !== only)) {
      throw new S3Error('InvalidRequest', `The target ${target.name} only replicates to the bucket ${only}.`);
    }
  } else {
    await checkLocalDestinations(context, configuration);
  }
  if (!(await context.layers.index.writeBucketSetting(context.bucket!, 'replication', configuration))) throw noSuchBucket(context);
  sendEmpty(context.res, 200);
}

export async function deleteBucketReplication(context: RequestContext): Promise<void> {
  await requireBucket(context);
  if (!(await context.layers.index.writeBucketSetting(context.bucket!, 'replication', undefined))) throw noSuchBucket(context);
  sendEmpty(context.res, 204);
}
