// The headers an object carries: what PUT stores (Content-*, Cache-Control, Expires, x-amz-meta-*)
// and what GET/HEAD send back, with the response-* overrides S3 allows on GET.
import type { ServerResponse } from 'node:http';
import type { ObjectRecord, StoredObjectHeaders } from '../index/types.js';
import { USER_METADATA_SIZE_BYTES_MAX } from '../limits.js';
import { CHECKSUM_HEADER_BY_ALGORITHM } from './checksums.js';
import { header, type RequestContext } from './context.js';
import { S3Error } from './errors.js';
import { setStoredHeader } from './header-values.js';
import { httpDate } from './time.js';

/** S3 stores this Content-Type when a PUT names none. */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
const USER_METADATA_PREFIX = 'x-amz-meta-';

/** Content-Encoding without the aws-chunked framing marker, which describes the request, not the object. */
function storedContentEncoding(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const kept = value.split(',').map((part) => part.trim()).filter((part) => part !== '' && part.toLowerCase() !== 'aws-chunked');
  return kept.length === 0 ? undefined : kept.join(',');
}

/** S3: a website redirect location is at most 2 KB. */
const WEBSITE_REDIRECT_LOCATION_BYTES_MAX = 2048;
const WEBSITE_REDIRECT_HEADER = 'x-amz-website-redirect-location';

/**
 * x-amz-website-redirect-location, checked as S3 checks it: a path in the bucket ("/…") or an
 * absolute http(s) URL. Never copied from a copy's source (S3: "unique to each object").
 */
export function websiteRedirectFromRequest(context: RequestContext): string | undefined {
  const location = header(context, WEBSITE_REDIRECT_HEADER);
  if (location === undefined) return undefined;
  if (!/^(\/|https?:\/\/)/.test(location)) {
    throw new S3Error('InvalidRedirectLocation', "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.");
  }
  if (Buffer.byteLength(location, 'latin1') > WEBSITE_REDIRECT_LOCATION_BYTES_MAX || !/^[\x21-\x7e]+$/.test(location)) {
    throw new S3Error('InvalidRedirectLocation', 'The website redirect location is too long or holds characters a URL cannot.');
  }
  return location;
}

export function storedHeadersFromRequest(context: RequestContext): StoredObjectHeaders {
  return {
    websiteRedirectLocation: websiteRedirectFromRequest(context),
    contentType: header(context, 'content-type') ?? DEFAULT_CONTENT_TYPE,
    contentEncoding: storedContentEncoding(header(context, 'content-encoding')),
    contentLanguage: header(context, 'content-language'),
    contentDisposition: header(context, 'content-disposition'),
    cacheControl: header(context, 'cache-control'),
    expires: header(context, 'expires'),
  };
}

/** x-amz-meta-* headers, names lower-cased without the prefix; over 2 KiB → MetadataTooLarge. */
export function userMetadataFromRequest(context: RequestContext): Record<string, string> {
  const metadata: Record<string, string> = {};
  let sizeBytes = 0;
  for (const [name, value] of Object.entries(context.req.headers)) {
    if (!name.startsWith(USER_METADATA_PREFIX) || value === undefined) continue;
    const metadataName = name.slice(USER_METADATA_PREFIX.length);
    const text = Array.isArray(value) ? value.join(',') : value;
    metadata[metadataName] = text;
    // Header text arrives as latin1, one character per byte on the wire, so length counts bytes.
    sizeBytes += metadataName.length + text.length;
  }
  if (sizeBytes > USER_METADATA_SIZE_BYTES_MAX) {
    throw new S3Error('MetadataTooLarge', undefined, {
      extraFields: { Size: String(sizeBytes), MaxSizeAllowed: String(USER_METADATA_SIZE_BYTES_MAX) },
    });
  }
  return metadata;
}

const RESPONSE_OVERRIDES: Array<[query: string, header: string]> = [
  ['response-content-type', 'Content-Type'],
  ['response-content-language', 'Content-Language'],
  ['response-expires', 'Expires'],
  ['response-cache-control', 'Cache-Control'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-content-encoding', 'Content-Encoding'],
];

/**
 * Sets every header GET and HEAD return for `object` (not Content-Length or Content-Range).
 * Checksums describe the whole object, so a ranged response carries none (as S3).
 */
export function setObjectResponseHeaders(context: RequestContext, res: ServerResponse, object: ObjectRecord, wholeObject: boolean): void {
  const overrides = responseOverrides(context);
  const stored = object.headers;
  res.setHeader('Last-Modified', httpDate(object.lastModifiedMs));
  res.setHeader('ETag', `"${object.etag}"`);
  res.setHeader('Accept-Ranges', 'bytes');
  // Stored values were valid headers when stored; setStoredHeader keeps one that is not (older
  // data, another writer) from failing the whole GET.
  setStoredHeader(res, 'Content-Type', stored.contentType);
  if (stored.contentEncoding !== undefined) setStoredHeader(res, 'Content-Encoding', stored.contentEncoding);
  if (stored.contentLanguage !== undefined) setStoredHeader(res, 'Content-Language', stored.contentLanguage);
  if (stored.contentDisposition !== undefined) setStoredHeader(res, 'Content-Disposition', stored.contentDisposition);
  if (stored.cacheControl !== undefined) setStoredHeader(res, 'Cache-Control', stored.cacheControl);
  if (stored.expires !== undefined) setStoredHeader(res, 'Expires', stored.expires);
  if (object.storageClass !== 'STANDARD') res.setHeader('x-amz-storage-class', object.storageClass);
  if (stored.websiteRedirectLocation !== undefined) setStoredHeader(res, WEBSITE_REDIRECT_HEADER, stored.websiteRedirectLocation);
  if (object.versionId !== 'null') res.setHeader('x-amz-version-id', object.versionId);
  if (stored.replicationStatus !== undefined) res.setHeader('x-amz-replication-status', stored.replicationStatus);
  for (const [name, value] of Object.entries(object.userMetadata)) setStoredHeader(res, USER_METADATA_PREFIX + name, value);
  if (wholeObject && object.checksum !== undefined && header(context, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') {
    res.setHeader(CHECKSUM_HEADER_BY_ALGORITHM[object.checksum.algorithm], object.checksum.valueBase64);
    res.setHeader('x-amz-checksum-type', object.checksum.type);
  }
  for (const [headerName, value] of overrides) res.setHeader(headerName, value);
}

/** Characters an HTTP header value can carry (node refuses others). */
const HEADER_VALUE_PATTERN = /^[\t\x20-\x7e\x80-\xff]*$/;

function responseOverrides(context: RequestContext): Array<[string, string]> {
  const overrides: Array<[string, string]> = [];
  for (const [queryName, headerName] of RESPONSE_OVERRIDES) {
    const value = context.query.get(queryName);
    if (value === null) continue;
    if (!HEADER_VALUE_PATTERN.test(value)) throw new S3Error('InvalidArgument', `${queryName} holds characters a header cannot carry.`);
    overrides.push([headerName, value]);
  }
  return overrides;
}
