// CORS: Put/Get/DeleteBucketCors, the OPTIONS preflight (answered without authentication, as a
// browser sends it, and able to do nothing but evaluate the rules), and the CORS headers that actual
// requests from a matching origin get.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BucketRecord, CorsRule } from '../../index/types.js';
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import type { RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { isHeaderToken, setStoredHeader } from '../header-values.js';
import { readSmallBody } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { asArray, node, parseXmlBody, xmlDocument } from '../xml.js';
import { requireBucket, type BucketLookup } from '../request/bucket.js';

/** S3: at most 100 rules in a CORS configuration. */
const CORS_RULES_MAX = 100;
const CORS_RULE_ID_CHARACTERS_MAX = 255;
const CORS_METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']);

function strings(value: unknown): string[] {
  return asArray(value as string | string[] | undefined).map((entry) => {
    if (typeof entry !== 'string') throw new S3Error('MalformedXML');
    return entry.trim();
  });
}

/** An origin as a browser sends it: visible ASCII (IDNs arrive punycoded), no spaces. */
const ORIGIN_PATTERN = /^[\x21-\x7e]+$/;

/**
 * Header names (ExposeHeader becomes Access-Control-Expose-Headers; AllowedHeader matches
 * request header names) must be HTTP tokens and origins visible ASCII, checked when stored
 * (S3: InvalidRequest "… contains invalid character.") so that no rule can break a response.
 */
function refuseInvalidCharacters(rule: CorsRule): void {
  const checks: Array<[element: string, values: string[], valid: (value: string) => boolean]> = [
    ['ExposeHeader', rule.exposeHeaders, isHeaderToken],
    ['AllowedHeader', rule.allowedHeaders, isHeaderToken],
    ['AllowedOrigin', rule.allowedOrigins, (value) => ORIGIN_PATTERN.test(value)],
  ];
  for (const [element, values, valid] of checks) {
    const invalid = values.find((value) => !valid(value));
    if (invalid !== undefined) throw new S3Error('InvalidRequest', `${element} ${invalid} contains invalid character.`);
  }
}

function parseRule(entry: unknown): CorsRule {
  if (typeof entry !== 'object' || entry === null) throw new S3Error('MalformedXML');
  const fields = entry as Record<string, unknown>;
  const rule: CorsRule = {
    allowedOrigins: strings(fields['AllowedOrigin']),
    allowedMethods: strings(fields['AllowedMethod']),
    allowedHeaders: strings(fields['AllowedHeader']),
    exposeHeaders: strings(fields['ExposeHeader']),
  };
  if (rule.allowedOrigins.length === 0 || rule.allowedMethods.length === 0) throw new S3Error('MalformedXML');
  for (const method of rule.allowedMethods) {
    if (!CORS_METHODS.has(method)) throw new S3Error('InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${method}`);
  }
  for (const pattern of [...rule.allowedOrigins, ...rule.allowedHeaders]) {
    if (pattern.split('*').length > 2) throw new S3Error('InvalidRequest', `AllowedOrigin and AllowedHeader can have at most one * wildcard: "${pattern}"`);
  }
  refuseInvalidCharacters(rule);
  const maxAge = fields['MaxAgeSeconds'];
  if (maxAge !== undefined) {
    if (typeof maxAge !== 'string' || !/^\d{1,9}$/.test(maxAge.trim())) throw new S3Error('MalformedXML');
    rule.maxAgeSeconds = Number(maxAge.trim());
  }
  const id = fields['ID'];
  if (id !== undefined) {
    if (typeof id !== 'string' || id.length > CORS_RULE_ID_CHARACTERS_MAX) throw new S3Error('InvalidArgument', 'The ID of a CORS rule is at most 255 characters.');
    rule.id = id;
  }
  return rule;
}

function parseCorsConfiguration(body: Buffer): CorsRule[] {
  const configuration = parseXmlBody(body)['CORSConfiguration'];
  if (typeof configuration !== 'object' || configuration === null) throw new S3Error('MalformedXML');
  const rules = asArray((configuration as Record<string, unknown>)['CORSRule'] as unknown);
  if (rules.length === 0 || rules.length > CORS_RULES_MAX) throw new S3Error('MalformedXML');
  return rules.map(parseRule);
}

/** One "*" at most, anywhere in the pattern; header names compare without case. */
function wildcardMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const [candidatePattern, candidateValue] = ignoreCase ? [pattern.toLowerCase(), value.toLowerCase()] : [pattern, value];
  const star = candidatePattern.indexOf('*');
  if (star < 0) return candidatePattern === candidateValue;
  const head = candidatePattern.slice(0, star);
  const tail = candidatePattern.slice(star + 1);
  return candidateValue.length >= head.length + tail.length && candidateValue.startsWith(head) && candidateValue.endsWith(tail);
}

/** The first rule that allows this origin, method and every requested header. */
export function matchingRule(rules: CorsRule[] | undefined, origin: string, method: string, requestedHeaders: string[]): CorsRule | undefined {
  return rules?.find((rule) => rule.allowedOrigins.some((pattern) => wildcardMatches(pattern, origin, false))
    && rule.allowedMethods.includes(method)
    && requestedHeaders.every((name) => rule.allowedHeaders.some((pattern) => wildcardMatches(pattern, name, true))));
}

function corsHeaders(rule: CorsRule, origin: string): Record<string, string> {
  const anyOrigin = rule.allowedOrigins.includes('*');
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': anyOrigin ? '*' : origin,
    'Access-Control-Allow-Methods': rule.allowedMethods.join(', '),
    Vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
  if (!anyOrigin) headers['Access-Control-Allow-Credentials'] = 'true';
  // Rules stored before names were checked may hold one a header cannot carry: leave it out.
  const exposed = rule.exposeHeaders.filter(isHeaderToken);
  if (exposed.length > 0) headers['Access-Control-Expose-Headers'] = exposed.join(', ');
  if (rule.maxAgeSeconds !== undefined) headers['Access-Control-Max-Age'] = String(rule.maxAgeSeconds);
  return headers;
}

/**
 * CORS headers for an actual (non-preflight) request from a matching origin; set before routing.
 * The bucket comes from the request's one lookup, read only when an Origin is sent.
 */
export async function applyCorsHeaders(req: IncomingMessage, res: ServerResponse, bucketLookup: BucketLookup | undefined): Promise<void> {
  const origin = req.headers.origin;
  if (origin === undefined || bucketLookup === undefined) return;
  const bucket = (await bucketLookup())?.bucket;
  const rule = matchingRule(bucket?.cors, origin, req.method ?? 'GET', []);
  if (rule === undefined) return;
  for (const [name, value] of Object.entries(corsHeaders(rule, origin))) setStoredHeader(res, name, value);
}

/** OPTIONS: evaluates the bucket's rules for the request a browser is about to send. */
export async function answerPreflight(req: IncomingMessage, res: ServerResponse, bucket: BucketRecord | undefined): Promise<void> {
  const origin = req.headers.origin;
  const method = req.headers['access-control-request-method'];
  if (origin === undefined) throw new S3Error('BadRequest', 'Insufficient information. Origin request header needed.');
  if (typeof method !== 'string' || !CORS_METHODS.has(method)) throw new S3Error('BadRequest', `Invalid Access-Control-Request-Method: ${method ?? 'null'}`);
  if (bucket === undefined) throw new S3Error('NoSuchBucket');
  if (bucket.cors === undefined) throw new S3Error('AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.', { extraFields: { Method: method, ResourceType: 'BUCKET' } });
  const requestedText = req.headers['access-control-request-headers'];
  const requested = typeof requestedText === 'string' ? requestedText.split(',').map((name) => name.trim()).filter((name) => name !== '') : [];
  const rule = matchingRule(bucket.cors, origin, method, requested);
  if (rule === undefined) {
    throw new S3Error('AccessForbidden', 'CORSResponse: This CORS request is not allowed. This is usually because the evaluation of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.', { extraFields: { Method: method, ResourceType: 'OBJECT' } });
  }
  const headers = corsHeaders(rule, origin);
  if (requested.length > 0) headers['Access-Control-Allow-Headers'] = requested.join(', ');
  sendEmpty(res, 200, headers);
}

export async function putBucketCors(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  const rules = parseCorsConfiguration(body);
  await context.layers.index.setBucketCors(context.bucket!, rules);
  sendEmpty(context.res, 200);
}

export async function getBucketCors(context: RequestContext): Promise<void> {
  const bucket = await requireBucket(context);
  if (bucket.cors === undefined) throw new S3Error('NoSuchCORSConfiguration', undefined, { extraFields: { BucketName: bucket.name } });
  sendXml(context.res, 200, xmlDocument('CORSConfiguration', bucket.cors.map((rule) => node('CORSRule', [
    node('ID', rule.id),
    ...rule.allowedHeaders.map((value) => node('AllowedHeader', value)),
    ...rule.allowedMethods.map((value) => node('AllowedMethod', value)),
    ...rule.allowedOrigins.map((value) => node('AllowedOrigin', value)),
    ...rule.exposeHeaders.map((value) => node('ExposeHeader', value)),
    node('MaxAgeSeconds', rule.maxAgeSeconds),
  ]))));
}

export async function deleteBucketCors(context: RequestContext): Promise<void> {
  await requireBucket(context);
  await context.layers.index.setBucketCors(context.bucket!, undefined);
  sendEmpty(context.res, 204);
}
