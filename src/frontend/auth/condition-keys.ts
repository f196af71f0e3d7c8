// The request context policies' conditions read: global aws:* keys and S3's own keys, built once per
// request (and only for requests that are evaluated: never the root identity's).
import type { TLSSocket } from 'node:tls';
import type { ConditionKeys } from '../../services/iam/conditions.js';
import { header, type RequestContext } from '../context.js';
import type { ResourceName } from './authorize.js';

/** Request headers S3 exposes as condition keys of the same name. */
const HEADER_KEYS = [
  'x-amz-acl', 'x-amz-content-sha256', 'x-amz-copy-source', 'x-amz-metadata-directive', 'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id', 'x-amz-storage-class', 'x-amz-website-redirect-location',
  'x-amz-object-lock-mode', 'x-amz-object-lock-retain-until-date', 'x-amz-object-lock-legal-hold', 'x-amz-grant-read',
  'x-amz-grant-write', 'x-amz-grant-read-acp', 'x-amz-grant-write-acp', 'x-amz-grant-full-control',
];
/** Query parameters S3 exposes as condition keys (ListObjects and friends). */
const QUERY_KEYS: Array<[string, string]> = [['prefix', 's3:prefix'], ['delimiter', 's3:delimiter'], ['max-keys', 's3:max-keys'], ['versionId', 's3:versionid']];

const cache = new WeakMap<RequestContext, Map<string, string[]>>();

function principalKeys(context: RequestContext, keys: Map<string, string[]>): void {
  const { principal } = context;
  const accountId = context.config.accountId;
  if (principal.kind === 'anonymous') {
    keys.set('aws:principaltype', ['Anonymous']);
    return;
  }
  keys.set('aws:principalaccount', [accountId]);
  if (principal.kind === 'user') {
    keys.set('aws:principaltype', ['User']);
    keys.set('aws:username', [principal.name]);
    keys.set('aws:userid', [principal.name]);
    keys.set('aws:principalarn', [`arn:aws:iam::${accountId}:user/${principal.name}`]);
  } else {
    keys.set('aws:principaltype', ['Account']);
    keys.set('aws:userid', [accountId]);
    keys.set('aws:principalarn', [`arn:aws:iam::${accountId}:root`]);
  }
}

function authenticationKeys(context: RequestContext, keys: Map<string, string[]>): void {
  if (context.principal.kind === 'anonymous') return;
  const authorization = header(context, 'authorization');
  keys.set('s3:authtype', [authorization !== undefined ? 'REST-HEADER' : 'REST-QUERY-STRING']);
  const v4 = authorization?.startsWith('AWS4-') === true || context.query.has('X-Amz-Algorithm');
  keys.set('s3:signatureversion', [v4 ? 'AWS4-HMAC-SHA256' : 'AWS']);
}

/** x-amz-tagging ("k1=v1&k2=v2") as s3:RequestObjectTagKeys and s3:RequestObjectTag/<key>. */
function requestTagKeys(context: RequestContext, keys: Map<string, string[]>): void {
  const tagging = header(context, 'x-amz-tagging');
  if (tagging === undefined) return;
  const tags = new URLSearchParams(tagging);
  keys.set('s3:requestobjecttagkeys', [...tags.keys()]);
  for (const [name, value] of tags) keys.set(`s3:requestobjecttag/${name.toLowerCase()}`, [value]);
}

function remoteAddress(context: RequestContext): string {
  const address = context.req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** The condition keys of this request (built on first use, then shared by every evaluation of it). */
export function conditionKeys(context: RequestContext): ConditionKeys {
  const cached = cache.get(context);
  if (cached !== undefined) return cached;
  const nowMs = Date.now();
  const keys = new Map<string, string[]>([
    ['aws:sourceip', [remoteAddress(context)]],
    ['aws:securetransport', [(context.req.socket as TLSSocket).encrypted === true ? 'true' : 'false']],
    ['aws:currenttime', [new Date(nowMs).toISOString()]],
    ['aws:epochtime', [String(Math.floor(nowMs / 1000))]],
  ]);
  const userAgent = header(context, 'user-agent');
  if (userAgent !== undefined) keys.set('aws:useragent', [userAgent]);
  const referer = header(context, 'referer');
  if (referer !== undefined) keys.set('aws:referer', [referer]);
  principalKeys(context, keys);
  authenticationKeys(context, keys);
  for (const name of HEADER_KEYS) {
    const value = header(context, name);
    if (value !== undefined) keys.set(`s3:${name}`, [value]);
  }
  for (const [parameter, key] of QUERY_KEYS) {
    const value = context.query.get(parameter);
    if (value !== null) keys.set(key, [value]);
  }
  requestTagKeys(context, keys);
  cache.set(context, keys);
  return keys;
}

/** The keys plus s3:ExistingObjectTag/<key> of the object a request names (read only when a policy asks). */
export async function withExistingObjectTags(context: RequestContext, keys: ConditionKeys, resource: ResourceName): Promise<ConditionKeys> {
  const versionId = resource.bucket === context.bucket && resource.key === context.key ? context.query.get('versionId') : null;
  const object = versionId === null
    ? await context.layers.index.getObject(resource.bucket, resource.key!)
    : await context.layers.index.getObjectVersion(resource.bucket, resource.key!, versionId);
  const extended = new Map(keys);
  for (const tag of object?.tags ?? []) extended.set(`s3:existingobjecttag/${tag.key.toLowerCase()}`, [tag.value]);
  return extended;
}
