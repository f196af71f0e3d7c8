// Browser-style uploads for tests: POST policies signed here (SigV4 and SigV2, as AWS's "POST Policy"
// pages describe), forms sent with fetch's FormData as a browser script would, and hand-built
// multipart bodies for the malformed cases no form library produces.
import { createHash, createHmac } from 'node:crypto';
import type { RawResponse } from './clients.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY } from './server.js';

export type FormFields = Array<[name: string, value: string]>;

export interface FormFile {
  content: Buffer | string;
  filename?: string;
  /** The file part's own Content-Type (S3 ignores it; the Content-Type field sets the object's). */
  contentType?: string;
}

const AMZ_DATE_SEPARATORS = /[-:]|\.\d{3}/g;

export function amzDate(date: Date): string {
  return date.toISOString().replace(AMZ_DATE_SEPARATORS, '');
}

/** An expiration `offsetSeconds` from now, in the policy's ISO 8601 form. */
export function expiresIn(offsetSeconds: number): string {
  return new Date(Date.now() + offsetSeconds * 1000).toISOString();
}

function hmac(key: Buffer | string, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

export interface SigningOptions {
  accessKeyId?: string;
  secretAccessKey?: string;
  date?: Date;
}

/**
 * The SigV4 form fields for a policy: the policy (a JSON value, or already-encoded base64 text when
 * a string) and its signature under the credential scope's signing key.
 */
export function sigV4Fields(policy: unknown, options: SigningOptions = {}): FormFields {
  const date = options.date ?? new Date();
  const day = amzDate(date).slice(0, 8);
  const policyBase64 = typeof policy === 'string' ? policy : Buffer.from(JSON.stringify(policy), 'utf8').toString('base64');
  let key = hmac(`AWS4${options.secretAccessKey ?? TEST_SECRET_KEY}`, day);
  for (const part of [TEST_REGION, 's3', 'aws4_request']) key = hmac(key, part);
  return [
    ['x-amz-algorithm', 'AWS4-HMAC-SHA256'],
    ['x-amz-credential', `${options.accessKeyId ?? TEST_ACCESS_KEY}/${day}/${TEST_REGION}/s3/aws4_request`],
    ['x-amz-date', amzDate(date)],
    ['policy', policyBase64],
    ['x-amz-signature', hmac(key, policyBase64).toString('hex')],
  ];
}

/** The conditions every SigV4 policy must carry for its own signature fields. */
export function sigV4Conditions(date: Date = new Date()): unknown[] {
  const day = amzDate(date).slice(0, 8);
  return [
    { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
    { 'x-amz-credential': `${TEST_ACCESS_KEY}/${day}/${TEST_REGION}/s3/aws4_request` },
    { 'x-amz-date': amzDate(date) },
  ];
}

/** The SigV2 form fields: base64 HMAC-SHA1 of the base64 policy under the secret key. */
export function sigV2Fields(policy: unknown, secretAccessKey: string = TEST_SECRET_KEY): FormFields {
  const policyBase64 = Buffer.from(JSON.stringify(policy), 'utf8').toString('base64');
  const signature = createHmac('sha1', secretAccessKey).update(policyBase64, 'utf8').digest('base64');
  return [['AWSAccessKeyId', TEST_ACCESS_KEY], ['policy', policyBase64], ['signature', signature]];
}

export interface FormResponse extends RawResponse {
  location?: string;
}

function errorCodeOf(text: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
}

const XML_ENTITIES: Record<string, string> = { '&quot;': '"', '&apos;': "'", '&lt;': '<', '&gt;': '>', '&amp;': '&' };

/** The text of an XML element in a response (the first one), entities decoded. */
export function xmlElement(text: string, name: string): string | undefined {
  const raw = new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
  return raw?.replace(/&(quot|apos|lt|gt|amp);/g, (entity) => XML_ENTITIES[entity]!);
}

/** Sends a form as a browser script does (fetch + FormData), the file part after `fields`, then `after`. */
export async function postForm(url: string, fields: FormFields, file: FormFile | undefined, after: FormFields = [], headers: Record<string, string> = {}): Promise<FormResponse> {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  if (file !== undefined) {
    form.append('file', new Blob([new Uint8Array(Buffer.from(file.content))], file.contentType === undefined ? {} : { type: file.contentType }), file.filename ?? 'upload.bin');
  }
  for (const [name, value] of after) form.append(name, value);
  const response = await fetch(url, { method: 'POST', body: form, redirect: 'manual', headers });
  const body = Buffer.from(await response.arrayBuffer());
  const text = body.toString('utf8');
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body,
    text,
    errorCode: errorCodeOf(text),
    location: response.headers.get('location') ?? undefined,
  };
}

/** A multipart/form-data body built byte by byte (for bodies a form library would not send). */
export function multipartBody(boundary: string, parts: Array<{ name: string; value: Buffer | string; filename?: string; contentType?: string }>, close = true): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const filename = part.filename === undefined ? '' : `; filename="${part.filename}"`;
    const type = part.contentType === undefined ? '' : `\r\nContent-Type: ${part.contentType}`;
    pieces.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${filename}${type}\r\n\r\n`, 'utf8'));
    pieces.push(Buffer.from(part.value));
    pieces.push(Buffer.from('\r\n'));
  }
  if (close) pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}

export function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}
