// The x-amz-expiration header a PUT, GET or HEAD answers when a lifecycle rule will expire the object.
import type { ObjectRecord } from '../../index/types.js';
import { expirationOf, type LifecycleConfiguration } from '../../services/lifecycle/rules.js';
import { header, type RequestContext } from '../context.js';
import { httpDate } from '../time.js';
import { requestBucketSetting } from './bucket.js';

/** The latest instant a JavaScript Date (and so an HTTP date) can name. */
const DATE_MS_MAX = 8.64e15;

/**
 * x-amz-expiration for the current version `object`: when the earliest Expiration rule that names
 * it will expire it (S3's form: expiry-date="<HTTP date>", rule-id="<URL-encoded id>"). The bucket's
 * lifecycle configuration comes with the request's bucket read (no statement of its own).
 */
export async function expirationHeaders(context: RequestContext, object: ObjectRecord): Promise<Record<string, string>> {
  const configuration = await requestBucketSetting(context, object.bucket, 'lifecycle');
  if (configuration === undefined) return {};
  const expiry = expirationOf(configuration, object, context.config.lifecycleDayMs);
  if (expiry === undefined || expiry.atMs > DATE_MS_MAX) return {};
  return { 'x-amz-expiration': `expiry-date="${httpDate(expiry.atMs)}", rule-id="${encodeURIComponent(expiry.ruleId)}"` };
}
