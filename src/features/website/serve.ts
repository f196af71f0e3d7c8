// How the website endpoint answers a GET or HEAD, after S3's "Website endpoints" and "Configuring
// a webpage redirect": RedirectAllRequestsTo first, then routing rules on the key, the index
// document for the root and for `prefix/`, 302 to `key/` when only `key/<index>` exists, 301 for an
// object's x-amz-website-redirect-location, and on 403/404 a routing rule on the error code, the
// error document (with the error's status), or S3's HTML error page. Reads are anonymous: the
// bucket policy (and Block Public Access) decide, through the S3 surface's own authorization.
import type { TLSSocket } from 'node:tls';
import { authorize, enforceRoutePermission } from '../../frontend/auth/authorize.js';
import type { RequestContext } from '../../frontend/context.js';
import { S3Error } from '../../frontend/errors.js';
import { setObjectResponseHeaders } from '../../frontend/object-headers.js';
import { getObject, headObject } from '../../frontend/ops/get.js';
import { waitForDrain } from '../../frontend/respond.js';
import { onObject } from '../../frontend/s3/endpoint.js';
import type { ObjectRecord, WebsiteConfiguration, WebsiteRedirect, WebsiteRoutingRule } from '../../index/types.js';
import { readObject } from '../../services/objects.js';
import { redirectCodeOf } from './configuration.js';
import { sendRedirect } from './error-page.js';

const READ_PERMISSION = onObject('GetObject');
/** The status a key without its trailing slash is sent on to `key/` with. */
const FOLDER_REDIRECT_STATUS = 302;
/** The status of RedirectAllRequestsTo and of an object's own redirect location. */
const PERMANENT_REDIRECT_STATUS = 301;
const HEADERS_KEPT_ON_ERROR = new Set(['x-amz-request-id', 'x-amz-id-2', 'server']);

/** A key as a URL path: each segment percent-encoded, the slashes kept. */
function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function requestProtocol(context: RequestContext): string {
  return (context.req.socket as TLSSocket).encrypted === true ? 'https' : 'http';
}

function ruleMatches(rule: WebsiteRoutingRule, key: string, errorStatus: number | undefined): boolean {
  const condition = rule.condition;
  if (condition === undefined) return errorStatus === undefined;
  if (condition.keyPrefixEquals !== undefined && !key.startsWith(condition.keyPrefixEquals)) return false;
  if (condition.httpErrorCodeReturnedEquals !== undefined) return condition.httpErrorCodeReturnedEquals === errorStatus;
  return errorStatus === undefined;
}

function redirectLocation(context: RequestContext, redirect: WebsiteRedirect, key: string, matchedPrefix: string): string {
  const protocol = redirect.protocol ?? requestProtocol(context);
  const host = redirect.hostName ?? context.req.headers.host ?? '';
  let target = key;
  if (redirect.replaceKeyWith !== undefined) target = redirect.replaceKeyWith;
  else if (redirect.replaceKeyPrefixWith !== undefined) target = redirect.replaceKeyPrefixWith + key.slice(matchedPrefix.length);
  return `${protocol}://${host}/${encodeKeyPath(target)}`;
}

/** Answers with the first rule that applies to `key` (and the error status, if any); false when none does. */
function followRoutingRule(context: RequestContext, configuration: WebsiteConfiguration, key: string, errorStatus?: number): boolean {
  const rule = configuration.routingRules.find((candidate) => ruleMatches(candidate, key, errorStatus));
  if (rule === undefined) return false;
  sendRedirect(context.res, redirectCodeOf(rule.redirect), redirectLocation(context, rule.redirect, key, rule.condition?.keyPrefixEquals ?? ''));
  return true;
}

async function readableObject(context: RequestContext, key: string): Promise<ObjectRecord | undefined> {
  const object = await context.layers.index.getObject(context.bucket!, key);
  if (object === undefined || !(await authorize(context, 's3:GetObject', { bucket: context.bucket!, key }))) return undefined;
  return object;
}

/** The document a key names: the index document under a folder, the object itself otherwise. */
async function serveDocument(context: RequestContext, configuration: WebsiteConfiguration, key: string): Promise<void> {
  const suffix = configuration.indexDocumentSuffix!;
  const documentKey = key === '' || key.endsWith('/') ? key + suffix : key;
  context.key = documentKey;
  await enforceRoutePermission(context, READ_PERMISSION);
  const object = await context.layers.index.getObject(context.bucket!, documentKey);
  if (object === undefined && documentKey === key && (await readableObject(context, `${key}/${suffix}`)) !== undefined) {
    sendRedirect(context.res, FOLDER_REDIRECT_STATUS, `/${encodeKeyPath(key)}/`);
    return;
  }
  const redirect = object?.headers.websiteRedirectLocation;
  if (redirect !== undefined) {
    sendRedirect(context.res, PERMANENT_REDIRECT_STATUS, redirect);
    return;
  }
  await (context.method === 'HEAD' ? headObject(context) : getObject(context));
}

/** The error document, with the error's status; false when it cannot be served (missing, not public). */
async function serveErrorDocument(context: RequestContext, errorDocumentKey: string, status: number): Promise<boolean> {
  const object = await readableObject(context, errorDocumentKey);
  if (object === undefined) return false;
  const { res } = context;
  setObjectResponseHeaders(context, res, object, true);
  res.setHeader('Content-Length', object.sizeBytes);
  res.statusCode = status;
  if (context.method === 'HEAD') {
    res.end();
    return true;
  }
  const chunks = readObject(context.layers, object);
  const first = await chunks.next();
  try {
    if (!first.done && !res.write(first.value)) await waitForDrain(res);
    for await (const chunk of chunks) {
      if (res.destroyed) break;
      if (!res.write(chunk)) await waitForDrain(res);
    }
    res.end();
  } catch (error) {
    context.log(`request ${context.requestId}: website error document ${context.bucket}/${errorDocumentKey} failed mid-stream: ${String(error)}`);
    res.destroy();
  } finally {
    await chunks.return(undefined);
  }
  return true;
}

/** Answers one website GET or HEAD of `key` (the request path, decoded, without its leading slash). */
export async function serveWebsiteRequest(context: RequestContext, key: string): Promise<void> {
  const bucket = context.bucket!;
  const found = await context.bucketLookup!();
  if (found === undefined) throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: bucket } });
  const configuration = await context.layers.index.readBucketSetting(bucket, 'website');
  if (configuration === undefined) throw new S3Error('NoSuchWebsiteConfiguration', undefined, { extraFields: { BucketName: bucket } });
  const redirectAll = configuration.redirectAllRequestsTo;
  if (redirectAll !== undefined) {
    const protocol = redirectAll.protocol ?? requestProtocol(context);
    sendRedirect(context.res, PERMANENT_REDIRECT_STATUS, `${protocol}://${redirectAll.hostName}/${encodeKeyPath(key)}`);
    return;
  }
  if (followRoutingRule(context, configuration, key)) return;
  try {
    await serveDocument(context, configuration, key);
  } catch (error) {
    if (!(error instanceof S3Error) || (error.httpStatus !== 403 && error.httpStatus !== 404) || context.res.headersSent) throw error;
    // What the failed read set (an object's headers) does not describe what is answered now.
    for (const name of context.res.getHeaderNames()) if (!HEADERS_KEPT_ON_ERROR.has(name)) context.res.removeHeader(name);
    if (followRoutingRule(context, configuration, key, error.httpStatus)) return;
    const errorDocumentKey = configuration.errorDocumentKey;
    if (errorDocumentKey !== undefined && (await serveErrorDocument(context, errorDocumentKey, error.httpStatus))) return;
    throw error;
  }
}
