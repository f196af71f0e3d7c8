// Reads of bucket and object configuration that Cairn cannot set yet (their PUTs answer 501): the
// truthful answer is S3's own for "never configured", which is what tools that refresh a bucket's
// whole configuration (Terraform, rclone, s3fs…) expect, rather than an error. Each feature's issue
// replaces its entry here when it lands.
import type { RequestContext } from '../context.js';
import { S3Error, type S3ErrorCode } from '../errors.js';
import { sendXml } from '../respond.js';
import { node, xmlDocument, type XmlNode } from '../xml.js';
import type { Operation } from '../s3/endpoint.js';
import { requireBucket } from '../request/bucket.js';

function answerDocument(rootName: string, children: (context: RequestContext) => XmlNode[]): Operation {
  return async (context) => {
    await requireBucket(context);
    sendXml(context.res, 200, xmlDocument(rootName, children(context)));
  };
}

function answerNotFound(code: S3ErrorCode, message?: string): Operation {
  return async (context) => {
    await requireBucket(context);
    throw new S3Error(code, message, { extraFields: { BucketName: context.bucket! } });
  };
}

/** GET ?<sub-resource> on a bucket, for configuration that cannot have been set. */
export const UNCONFIGURED_BUCKET_READS: Record<string, Operation> = {
  notification: answerDocument('NotificationConfiguration', () => []),
  requestPayment: answerDocument('RequestPaymentConfiguration', () => [node('Payer', 'BucketOwner')]),
  accelerate: answerDocument('AccelerateConfiguration', () => []),
  // Objects are not encrypted at rest, so there is no encryption configuration to report.
  encryption: answerNotFound('ServerSideEncryptionConfigurationNotFoundError'),
  replication: answerNotFound('ReplicationConfigurationNotFoundError'),
};

/** GET ?<sub-resource> on an object, for configuration that cannot have been set (none at present). */
export const UNCONFIGURED_OBJECT_READS: Record<string, Operation> = {};
