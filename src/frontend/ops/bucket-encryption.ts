// Bucket default encryption: Put/Get/DeleteBucketEncryption. The setting is what a new object gets
// when its request names no encryption (request/encryption.ts applies it): SSE-S3, or SSE-KMS with a
// key of the built-in key service (its default key when none is named).
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import type { StoredBucketEncryption } from '../../index/types.js';
import type { RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { readSmallBody } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { asArray, node, parseXmlBody, xmlDocument } from '../xml.js';
import { requireBucket } from '../request/bucket.js';
import { requestedKmsKeyId } from '../request/kms.js';

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** The one Rule of a ServerSideEncryptionConfiguration, checked as S3 checks it. */
function parseEncryptionConfiguration(context: RequestContext, body: Buffer): StoredBucketEncryption {
  const rules = asArray(field(parseXmlBody(body)['ServerSideEncryptionConfiguration'], 'Rule'));
  if (rules.length !== 1) throw new S3Error('MalformedXML');
  const rule = rules[0];
  const byDefault = field(rule, 'ApplyServerSideEncryptionByDefault');
  const algorithm = field(byDefault, 'SSEAlgorithm');
  const kmsKeyId = field(byDefault, 'KMSMasterKeyID');
  const bucketKey = field(rule, 'BucketKeyEnabled');
  if (typeof algorithm !== 'string') throw new S3Error('MalformedXML');
  if (bucketKey !== undefined && bucketKey !== 'true' && bucketKey !== 'false') throw new S3Error('MalformedXML');
  const bucketKeyEnabled = bucketKey === undefined ? {} : { bucketKeyEnabled: bucketKey === 'true' };
  if (algorithm === 'aws:kms' || algorithm === 'aws:kms:dsse') {
    if (kmsKeyId !== undefined && typeof kmsKeyId !== 'string') throw new S3Error('MalformedXML');
    // The key must exist now (KMS.NotFoundException otherwise); it is kept as named.
    if (kmsKeyId !== undefined) requestedKmsKeyId(context, kmsKeyId);
    return { algorithm, ...bucketKeyEnabled, ...(kmsKeyId === undefined ? {} : { kmsKeyId }) };
  }
  if (algorithm !== 'AES256') throw new S3Error('MalformedXML');
  if (kmsKeyId !== undefined) {
    throw new S3Error('InvalidArgument', 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse', {
      extraFields: { ArgumentName: 'ApplyServerSideEncryptionByDefault' },
    });
  }
  return { algorithm, ...bucketKeyEnabled };
}

export async function putBucketEncryption(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  const configuration = parseEncryptionConfiguration(context, body);
  if (!(await context.layers.index.writeBucketSetting(context.bucket!, 'encryption', configuration))) {
    throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  }
  sendEmpty(context.res, 200);
}

export async function getBucketEncryption(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const configuration = await context.layers.index.readBucketSetting(context.bucket!, 'encryption');
  // Cairn stores objects as sent unless asked to encrypt: with no default set, there is none to report.
  if (configuration === undefined) {
    throw new S3Error('ServerSideEncryptionConfigurationNotFoundError', undefined, { extraFields: { BucketName: context.bucket! } });
  }
  sendXml(context.res, 200, xmlDocument('ServerSideEncryptionConfiguration', [
    node('Rule', [
      node('ApplyServerSideEncryptionByDefault', [node('SSEAlgorithm', configuration.algorithm), node('KMSMasterKeyID', configuration.kmsKeyId)]),
      node('BucketKeyEnabled', configuration.bucketKeyEnabled ?? false),
    ]),
  ]));
}

export async function deleteBucketEncryption(context: RequestContext): Promise<void> {
  await requireBucket(context);
  if (!(await context.layers.index.writeBucketSetting(context.bucket!, 'encryption', undefined))) {
    throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  }
  sendEmpty(context.res, 204);
}
