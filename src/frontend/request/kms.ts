// SSE-KMS in requests: which key a write names (a key id, its ARN, or none for the default key), the
// encryption context and bucket-key headers, and the key-service errors S3 passes on as KMS.*.
import type { StoredEncryption } from '../../index/types.js';
import { KmsError, type BuiltInKeyService } from '../../services/encryption/kms.js';
import { kmsBinding } from '../../services/encryption/server-held-keys.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';

const KMS_KEY_ID_HEADER = 'x-amz-server-side-encryption-aws-kms-key-id';
const CONTEXT_HEADER = 'x-amz-server-side-encryption-context';
const BUCKET_KEY_HEADER = 'x-amz-server-side-encryption-bucket-key-enabled';
/** An encryption context is a small JSON object of strings (AWS: 8 KiB of context in all). */
const ENCRYPTION_CONTEXT_BYTES_MAX = 8 * 1024;
const KEY_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function kmsKeyArn(context: RequestContext, keyId: string): string {
  return `arn:aws:kms:${context.config.region}:${context.config.accountId}:key/${keyId}`;
}

export function keyService(context: RequestContext): BuiltInKeyService {
  const kms = context.layers.kms;
  if (kms === undefined) throw new Error('SSE-KMS needs the key service, which this process did not open');
  return kms;
}

/** Runs a key-service call, answering its refusals as S3 does (400 KMS.NotFoundException / KMS.DisabledException). */
export function withKms<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof KmsError) throw new S3Error(`KMS.${error.kmsCode}`, error.message);
    throw error;
  }
}

/** The key id a write names: a key id, its ARN (this region and account), alias/aws/s3, or none: the default key. */
export function requestedKmsKeyId(context: RequestContext, named: string | undefined): string {
  const kms = keyService(context);
  if (named === undefined || named === 'alias/aws/s3') return kms.defaultKeyId;
  const arnPrefix = kmsKeyArn(context, '');
  const keyId = named.startsWith(arnPrefix) ? named.slice(arnPrefix.length) : named;
  if (!KEY_ID_PATTERN.test(keyId) || kms.describe(keyId) === undefined) throw new S3Error('KMS.NotFoundException', `Invalid keyId ${named}`);
  return keyId;
}

/** x-amz-server-side-encryption-context: base64 of a JSON object of strings; undefined when absent. */
export function requestedEncryptionContext(context: RequestContext): string | undefined {
  const text = header(context, CONTEXT_HEADER);
  if (text === undefined) return undefined;
  const invalid = () => new S3Error('InvalidArgument', 'The header x-amz-server-side-encryption-context must be base64 of a JSON object of strings.', {
    extraFields: { ArgumentName: CONTEXT_HEADER, ArgumentValue: text.slice(0, 64) },
  });
  const json = Buffer.from(text, 'base64');
  if (json.byteLength === 0 || json.byteLength > ENCRYPTION_CONTEXT_BYTES_MAX) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((value) => typeof value !== 'string')) throw invalid();
  return text;
}

/** x-amz-server-side-encryption-bucket-key-enabled: true or false; undefined when absent. */
export function requestedBucketKey(context: RequestContext): boolean | undefined {
  const text = header(context, BUCKET_KEY_HEADER);
  if (text === undefined) return undefined;
  if (text.toLowerCase() !== 'true' && text.toLowerCase() !== 'false') {
    throw new S3Error('InvalidArgument', 'x-amz-server-side-encryption-bucket-key-enabled must be true or false', { extraFields: { ArgumentName: BUCKET_KEY_HEADER, ArgumentValue: text } });
  }
  return text.toLowerCase() === 'true';
}

/** A new SSE-KMS (or DSSE-KMS) object's encryption, its data key wrapped by the key service. */
export function newKmsEncryption(
  context: RequestContext, kind: 'SSE-KMS' | 'DSSE-KMS', keyId: string, owner: { bucket: string; key: string },
  extra: { encryptionContextBase64?: string; bucketKeyEnabled?: boolean },
): { stored: StoredEncryption; dataKey: Buffer } {
  const { dataKey, wrapped } = withKms(() => keyService(context).generateDataKey(keyId, kmsBinding(owner, extra.encryptionContextBase64)));
  return { dataKey, stored: { kind, kmsWrappedKey: wrapped, kmsKeyArn: kmsKeyArn(context, keyId), ...extra } };
}

export function kmsResponseHeaders(encryption: StoredEncryption): Record<string, string> {
  return {
    'x-amz-server-side-encryption': encryption.kind === 'DSSE-KMS' ? 'aws:kms:dsse' : 'aws:kms',
    [KMS_KEY_ID_HEADER]: encryption.kmsKeyArn!,
    ...(encryption.bucketKeyEnabled === true ? { [BUCKET_KEY_HEADER]: 'true' } : {}),
  };
}

// What a wrapped key is bound to (the request's context with the object's ARN, as S3 adds aws:s3:arn)
// lives with the server-held keys; the request helpers name it from here too.
export { kmsBinding };
