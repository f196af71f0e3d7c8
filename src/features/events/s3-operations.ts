// Put/GetBucketNotificationConfiguration: the document checked as S3 checks it, each destination
// ARN resolved to a Cairn target (an unknown one is S3's "Unable to validate the following
// destination configurations"), stored as the 'notification' setting with a test event queued for
// each target in the same transaction.
import type { NotificationRule } from '../../index/types.js';
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import { changeOrigin, type RequestContext } from '../../frontend/context.js';
import { S3Error } from '../../frontend/errors.js';
import { readSmallBody } from '../../frontend/payload.js';
import { sendEmpty, sendXml } from '../../frontend/respond.js';
import { parseXmlBody, xmlDocument } from '../../frontend/xml.js';
import { requireBucket } from '../../frontend/request/bucket.js';
import { parseNotificationDocument, renderNotificationConfiguration } from './configuration.js';
import { targetNameOfArn } from './targets.js';

export async function getBucketNotificationConfiguration(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const configuration = await context.layers.index.readBucketSetting(context.bucket!, 'notification');
  sendXml(context.res, 200, xmlDocument('NotificationConfiguration', renderNotificationConfiguration(configuration)));
}

/** S3 names every destination it could not validate, numbered (ArgumentName1, ArgumentValue1, …). */
function unvalidatedDestinations(arns: string[]): S3Error {
  const extraFields: Record<string, string> = {};
  arns.forEach((arn, position) => {
    extraFields[`ArgumentName${position + 1}`] = arn;
    extraFields[`ArgumentValue${position + 1}`] = 'The destination does not exist';
  });
  return new S3Error('InvalidArgument', 'Unable to validate the following destination configurations', { extraFields });
}

export async function putBucketNotificationConfiguration(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  const root = parseXmlBody(body)['NotificationConfiguration'];
  if (root === undefined || Array.isArray(root) || (typeof root !== 'object' && root !== '')) throw new S3Error('MalformedXML');
  const parsed = parseNotificationDocument(root === '' ? {} : (root as Record<string, unknown>));
  const { region, accountId } = context.config;
  const rules: NotificationRule[] = [];
  const unknown: string[] = [];
  for (const rule of parsed.rules) {
    const target = targetNameOfArn(rule.arn, region, accountId);
    const found = target === undefined ? undefined : await context.layers.index.getEventTarget(target);
    if (found === undefined || found.kind === 's3') unknown.push(rule.arn);
    else rules.push({ ...rule, target: target! });
  }
  if (unknown.length > 0) throw unvalidatedDestinations([...new Set(unknown)]);
  const configuration = rules.length === 0 && !parsed.eventBridge ? undefined : { rules, ...(parsed.eventBridge ? { eventBridge: true } : {}) };
  if (!(await context.layers.index.writeNotificationConfiguration(context.bucket!, configuration, changeOrigin(context)))) {
    throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  }
  sendEmpty(context.res, 200);
}
