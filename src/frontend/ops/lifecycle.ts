// Bucket lifecycle: Put/Get/DeleteBucketLifecycleConfiguration, and the x-amz-expiration header
// that PUT, GET and HEAD of an object carry when an Expiration rule names it. The rules themselves
// (checks, matching, due dates) live in services/lifecycle; the background worker applies them.
import { randomUUID } from 'node:crypto';
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import { LifecycleConfigurationError, parseLifecycleConfiguration } from '../../services/lifecycle/parse.js';
import { type DueTime, type LifecycleConfiguration, type LifecycleRule } from '../../services/lifecycle/rules.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { readSmallBody } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { isoDate } from '../time.js';
import { node, parseXmlBody, xmlDocument, type XmlNode } from '../xml.js';
import { requireBucket } from '../request/bucket.js';

const TRANSITION_MINIMUM_SIZE_HEADER = 'x-amz-transition-default-minimum-object-size';
/** S3 names a rule sent without an ID: an opaque 48-character id. */
function newRuleId(): string {
  return Buffer.from(randomUUID(), 'utf8').toString('base64');
}

function assertIntegrityHeader(context: RequestContext): void {
  // S3 requires Content-MD5 or an x-amz-checksum-* (the SDKs send one) on this operation.
  const present = header(context, 'content-md5') !== undefined
    || Object.keys(context.req.headers).some((name) => name.startsWith('x-amz-checksum-') && name !== 'x-amz-checksum-mode')
    || header(context, 'x-amz-sdk-checksum-algorithm') !== undefined;
  if (!present) throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5');
}

export async function putBucketLifecycleConfiguration(context: RequestContext): Promise<void> {
  assertIntegrityHeader(context);
  await requireBucket(context);
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  let configuration: LifecycleConfiguration;
  try {
    configuration = parseLifecycleConfiguration(parseXmlBody(body), header(context, TRANSITION_MINIMUM_SIZE_HEADER), newRuleId);
  } catch (error) {
    if (!(error instanceof LifecycleConfigurationError)) throw error;
    throw new S3Error(error.code, error.code === 'MalformedXML' ? undefined : error.message);
  }
  if (!(await context.layers.index.writeBucketSetting(context.bucket!, 'lifecycle', configuration))) {
    throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  }
  sendEmpty(context.res, 200, { [TRANSITION_MINIMUM_SIZE_HEADER]: configuration.transitionDefaultMinimumObjectSize });
}

function dueNodes(due: DueTime, daysName: string): XmlNode[] {
  return [node(daysName, due.days), node('Date', due.dateMs === undefined ? undefined : isoDate(due.dateMs))];
}

function filterNodes(rule: LifecycleRule): XmlNode[] {
  const { prefix, tags, sizeGreaterThanBytes, sizeLessThanBytes } = rule.match;
  const tagNodes = tags.map((tag) => node('Tag', [node('Key', tag.key), node('Value', tag.value)]));
  const greater = node('ObjectSizeGreaterThan', sizeGreaterThanBytes);
  const less = node('ObjectSizeLessThan', sizeLessThanBytes);
  switch (rule.filterForm) {
    case 'legacy-prefix':
      return [node('Prefix', prefix)];
    case 'empty':
      return [node('Filter', [])];
    case 'prefix':
      return [node('Filter', [node('Prefix', prefix)])];
    case 'tag':
      return [node('Filter', tagNodes)];
    case 'size-greater-than':
      return [node('Filter', [greater])];
    case 'size-less-than':
      return [node('Filter', [less])];
    case 'and':
      return [node('Filter', [node('And', [node('Prefix', prefix === '' ? undefined : prefix), ...tagNodes, greater, less])])];
  }
}

function ruleNode(rule: LifecycleRule): XmlNode {
  const expiration = rule.expiration;
  return node('Rule', [
    expiration === undefined ? node('Expiration', undefined)
      : node('Expiration', [...dueNodes(expiration, 'Days'), node('ExpiredObjectDeleteMarker', expiration.expiredObjectDeleteMarker)]),
    node('ID', rule.id),
    ...filterNodes(rule),
    node('Status', rule.enabled ? 'Enabled' : 'Disabled'),
    ...rule.transitions.map((transition) => node('Transition', [...dueNodes(transition, 'Days'), node('StorageClass', transition.storageClass)])),
    ...rule.noncurrentVersionTransitions.map((transition) => node('NoncurrentVersionTransition', [
      node('NoncurrentDays', transition.noncurrentDays),
      node('StorageClass', transition.storageClass),
      node('NewerNoncurrentVersions', transition.newerNoncurrentVersions),
    ])),
    rule.noncurrentVersionExpiration === undefined ? node('NoncurrentVersionExpiration', undefined) : node('NoncurrentVersionExpiration', [
      node('NoncurrentDays', rule.noncurrentVersionExpiration.noncurrentDays),
      node('NewerNoncurrentVersions', rule.noncurrentVersionExpiration.newerNoncurrentVersions),
    ]),
    rule.abortIncompleteMultipartUpload === undefined ? node('AbortIncompleteMultipartUpload', undefined)
      : node('AbortIncompleteMultipartUpload', [node('DaysAfterInitiation', rule.abortIncompleteMultipartUpload.daysAfterInitiation)]),
  ]);
}

export async function getBucketLifecycleConfiguration(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const configuration = await context.layers.index.readBucketSetting(context.bucket!, 'lifecycle');
  if (configuration === undefined) throw new S3Error('NoSuchLifecycleConfiguration', undefined, { extraFields: { BucketName: context.bucket! } });
  context.res.setHeader(TRANSITION_MINIMUM_SIZE_HEADER, configuration.transitionDefaultMinimumObjectSize);
  sendXml(context.res, 200, xmlDocument('LifecycleConfiguration', configuration.rules.map(ruleNode)));
}

export async function deleteBucketLifecycle(context: RequestContext): Promise<void> {
  await requireBucket(context);
  await context.layers.index.writeBucketSetting(context.bucket!, 'lifecycle', undefined);
  sendEmpty(context.res, 204);
}
