// What the fields of a browser upload (POST Object) ask for: the object's headers, metadata,
// storage class and tags, the checksums to verify, and the answer on success. Form values are UTF-8
// text; they are stored the way a header carries them, so GET and HEAD can send them back.
import type { StoredObjectHeaders, Tag } from '../../index/types.js';
import { USER_METADATA_SIZE_BYTES_MAX } from '../../limits.js';
import { S3Error } from '../errors.js';
import { isHeaderToken } from '../header-values.js';
import { DEFAULT_CONTENT_TYPE } from '../object-headers.js';
import type { FieldValues } from '../post-policy.js';
import { ACCEPTED_STORAGE_CLASSES } from './storage-class.js';
import { OBJECT_TAGS_MAX, parseTaggingDocument } from './tags.js';

export type SuccessAnswer = { kind: 'redirect'; url: string } | { kind: 'status'; status: 200 | 201 | 204 };

/** S3's canned ACLs: a valid name that grants more than the owner's rights is refused below. */
const CANNED_ACLS = new Set([
  'private', 'public-read', 'public-read-write', 'aws-exec-read', 'authenticated-read', 'bucket-owner-read', 'bucket-owner-full-control',
]);
const USER_METADATA_PREFIX = 'x-amz-meta-';
const CHECKSUM_FIELD_PREFIX = 'x-amz-checksum-';
/** The form's name for what PutObject calls x-amz-sdk-checksum-algorithm. */
const CHECKSUM_ALGORITHM_FIELD = 'x-amz-checksum-algorithm';
/** Control characters other than tab: no header can carry them. */
const CONTROL_CHARACTER_PATTERN = /[\x00-\x08\x0a-\x1f\x7f]/;
const PRINTABLE_ASCII_PATTERN = /^[\x20-\x7e]*$/;
const SUCCESS_STATUSES = new Set(['200', '201', '204']);

/** S3 replaces ${filename} in every field with the file part's name; with no filename parameter it stays. */
export function expandFilename(fields: Array<{ name: string; value: string }>, filename: string | undefined): Array<{ name: string; value: string }> {
  if (filename === undefined) return fields;
  return fields.map(({ name, value }) => ({ name, value: value.split('${filename}').join(filename) }));
}

/** A header value as the wire carries it: the UTF-8 bytes, one character each. */
function asHeaderText(fieldName: string, value: string): string {
  if (CONTROL_CHARACTER_PATTERN.test(value)) {
    throw new S3Error('InvalidArgument', `The ${fieldName} field holds characters a header cannot carry.`, {
      extraFields: { ArgumentName: fieldName, ArgumentValue: value },
    });
  }
  return Buffer.from(value, 'utf8').toString('latin1');
}

/** S3 keeps non-ASCII metadata from a form RFC 2047-encoded ("=?UTF-8?Q?…?=", "=?UTF-8?B?…?=" for control bytes). */
function encodeMetadataValue(value: string): string {
  if (PRINTABLE_ASCII_PATTERN.test(value)) return value;
  const bytes = Buffer.from(value, 'utf8');
  if (CONTROL_CHARACTER_PATTERN.test(value)) return `=?UTF-8?B?${bytes.toString('base64')}?=`;
  let encoded = '';
  for (const byte of bytes) {
    if (byte === 0x20) encoded += '_';
    else if (byte > 0x20 && byte < 0x7f && byte !== 0x3d && byte !== 0x3f && byte !== 0x5f) encoded += String.fromCharCode(byte);
    else encoded += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `=?UTF-8?Q?${encoded}?=`;
}

export function storedHeadersFromFields(values: FieldValues): StoredObjectHeaders {
  const optional = (name: string): string | undefined => {
    const value = values.get(name);
    return value === undefined ? undefined : asHeaderText(name, value);
  };
  // S3 ignores the file part's own Content-Type: only the Content-Type field sets the object's.
  return {
    contentType: optional('content-type') ?? DEFAULT_CONTENT_TYPE,
    contentEncoding: optional('content-encoding'),
    contentLanguage: optional('content-language'),
    contentDisposition: optional('content-disposition'),
    cacheControl: optional('cache-control'),
    expires: optional('expires'),
  };
}

/** x-amz-meta-* fields, names lower-cased without the prefix; over 2 KiB → MetadataTooLarge. */
export function userMetadataFromFields(values: FieldValues): Record<string, string> {
  const metadata: Record<string, string> = {};
  let sizeBytes = 0;
  for (const [name, value] of values) {
    if (!name.startsWith(USER_METADATA_PREFIX)) continue;
    const metadataName = name.slice(USER_METADATA_PREFIX.length);
    // The name becomes a header name on every GET: one no header can carry is refused here.
    if (!isHeaderToken(name)) throw new S3Error('InvalidArgument', `The field name ${name} cannot be a header name.`, { extraFields: { ArgumentName: name } });
    sizeBytes += Buffer.byteLength(metadataName) + Buffer.byteLength(value);
    metadata[asHeaderText(name, metadataName)] = encodeMetadataValue(value);
  }
  if (sizeBytes > USER_METADATA_SIZE_BYTES_MAX) {
    throw new S3Error('MetadataTooLarge', undefined, {
      extraFields: { Size: String(sizeBytes), MaxSizeAllowed: String(USER_METADATA_SIZE_BYTES_MAX) },
    });
  }
  return metadata;
}

export function storageClassFromFields(values: FieldValues): string {
  const storageClass = values.get('x-amz-storage-class') ?? 'STANDARD';
  if (!ACCEPTED_STORAGE_CLASSES.has(storageClass)) {
    throw new S3Error('InvalidStorageClass', undefined, { extraFields: { StorageClassRequested: storageClass } });
  }
  return storageClass;
}

export function assertCannedAcl(values: FieldValues): void {
  const acl = values.get('acl');
  if (acl !== undefined && !CANNED_ACLS.has(acl)) {
    throw new S3Error('InvalidArgument', undefined, { extraFields: { ArgumentName: 'acl', ArgumentValue: acl } });
  }
}

/** The `tagging` field: a Tagging XML document, as PutObjectTagging's body. */
export function tagsFromFields(values: FieldValues): Tag[] | undefined {
  const document = values.get('tagging');
  if (document === undefined) return undefined;
  const tags = parseTaggingDocument(Buffer.from(document, 'utf8'), OBJECT_TAGS_MAX);
  return tags.length === 0 ? undefined : tags;
}

/** Content-MD5 and x-amz-checksum-* fields, named as the headers PutObject verifies. */
export function checksumHeadersFromFields(values: FieldValues): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of values) {
    if (name === 'content-md5') headers[name] = value;
    else if (name === CHECKSUM_ALGORITHM_FIELD) headers['x-amz-sdk-checksum-algorithm'] = value;
    else if (name.startsWith(CHECKSUM_FIELD_PREFIX)) headers[name] = value;
  }
  return headers;
}

/** success_action_redirect (or the older `redirect`) when it is an absolute URL, else success_action_status. */
export function successAnswerFromFields(values: FieldValues): SuccessAnswer {
  const redirect = values.get('success_action_redirect') ?? values.get('redirect');
  // S3 acts as if a URL it cannot interpret were absent.
  if (redirect !== undefined && /^https?:\/\//i.test(redirect) && URL.canParse(redirect) && !CONTROL_CHARACTER_PATTERN.test(redirect)) {
    return { kind: 'redirect', url: redirect };
  }
  const status = values.get('success_action_status');
  return { kind: 'status', status: status !== undefined && SUCCESS_STATUSES.has(status) ? (Number(status) as 200 | 201 | 204) : 204 };
}

/** The redirect target with bucket, key and etag appended to its query, form-encoded, as S3 does. */
export function redirectLocation(url: string, bucket: string, key: string, etagHex: string): string {
  const hashAt = url.indexOf('#');
  const base = hashAt < 0 ? url : url.slice(0, hashAt);
  const fragment = hashAt < 0 ? '' : url.slice(hashAt);
  const separator = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  const added = new URLSearchParams({ bucket, key, etag: `"${etagHex}"` }).toString();
  return `${base}${separator}${added}${fragment}`;
}

/** The x-amz-server-side-encryption field: AES256 (SSE-S3), or undefined for the bucket's default. */
export function encryptionFromFields(values: FieldValues): 'AES256' | undefined {
  const method = values.get('x-amz-server-side-encryption');
  if (method === undefined || method === 'AES256') return method;
  if (method === 'aws:kms' || method === 'aws:kms:dsse') throw new S3Error('NotImplemented', 'SSE-KMS is not offered yet: use AES256.');
  throw new S3Error('InvalidArgument', 'The encryption method specified is not supported', { extraFields: { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: method } });
}
