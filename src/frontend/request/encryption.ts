// Server-side encryption headers: what a write asks for (x-amz-server-side-encryption: AES256, or
// SSE-C's customer key), the data key a read needs (SSE-S3 unwraps it; SSE-C checks the key the
// request brings against the stored salted HMAC), and the headers S3 answers with.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { ObjectRecord, StoredEncryption } from '../../index/types.js';
import type { Layers } from '../../services/objects.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import {
  kmsResponseHeaders, newKmsEncryption, requestedBucketKey, requestedEncryptionContext, requestedKmsKeyId, withKms,
} from './kms.js';
import { newSseS3Key, serverHeldDataKey } from '../../services/encryption/server-held-keys.js';
import { requestBucketSetting } from './bucket.js';

const SSE_HEADER = 'x-amz-server-side-encryption';
const KMS_KEY_ID_HEADER = 'x-amz-server-side-encryption-aws-kms-key-id';
const CUSTOMER_PREFIX = 'x-amz-server-side-encryption-customer-';
const COPY_SOURCE_CUSTOMER_PREFIX = 'x-amz-copy-source-server-side-encryption-customer-';
const DATA_KEY_BYTES = 32;
const CUSTOMER_KEY_SALT_BYTES = 16;

/** A new object's encryption: what the index keeps, and the data key its bytes are sealed with. */
export interface NewObjectEncryption {
  stored: StoredEncryption;
  dataKey: Buffer;
}

function invalidArgument(message: string, name: string, value: string): S3Error {
  return new S3Error('InvalidArgument', message, { extraFields: { ArgumentName: name, ArgumentValue: value } });
}

/** A customer key from headers under `prefix`: algorithm, key, key MD5, every S3 rule checked. */
function customerKeyFrom(context: RequestContext, prefix: string): { key: Buffer; md5Base64: string } | undefined {
  const algorithm = header(context, `${prefix}algorithm`);
  const keyText = header(context, `${prefix}key`);
  const md5Text = header(context, `${prefix}key-md5`);
  if (algorithm === undefined && keyText === undefined && md5Text === undefined) return undefined;
  if (algorithm === undefined) {
    throw invalidArgument('Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.', `${prefix}algorithm`, 'null');
  }
  if (algorithm !== 'AES256') throw invalidArgument('The encryption method specified is not supported', `${prefix}algorithm`, algorithm);
  if (keyText === undefined) {
    throw invalidArgument('Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.', `${prefix}key`, 'null');
  }
  const key = Buffer.from(keyText, 'base64');
  if (key.byteLength !== DATA_KEY_BYTES || key.toString('base64') !== keyText.trim()) {
    throw invalidArgument('The secret key was invalid for the specified algorithm.', `${prefix}key`, '');
  }
  const md5Base64 = createHash('md5').update(key).digest('base64');
  if (md5Text === undefined) {
    throw invalidArgument('Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.', `${prefix}key-MD5`, 'null');
  }
  if (md5Text !== md5Base64) throw invalidArgument('The calculated MD5 hash of the key did not match the hash that was provided.', `${prefix}key-MD5`, md5Text);
  // A key sent in clear text is a key disclosed: S3 refuses SSE-C over plain HTTP.
  if ((context.req.socket as Partial<TLSSocket>).encrypted !== true && !context.config.insecureSseC) {
    throw new S3Error('InvalidRequest', 'Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.');
  }
  return { key, md5Base64 };
}

function customerKeyHmac(key: Buffer, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(key).digest();
}

/**
 * The encryption a write asks for, checked before a byte is read: undefined for none. Refuses what
 * S3 refuses (an unknown method, a KMS key id without aws:kms, SSE-C together with another method).
 */
export function requestedEncryption(context: RequestContext): NewObjectEncryption | undefined {
  const method = header(context, SSE_HEADER);
  const kmsKeyId = header(context, KMS_KEY_ID_HEADER);
  const customer = customerKeyFrom(context, CUSTOMER_PREFIX);
  if (method !== undefined && method !== 'AES256' && method !== 'aws:kms' && method !== 'aws:kms:dsse') {
    throw invalidArgument('The encryption method specified is not supported', SSE_HEADER, method);
  }
  if (kmsKeyId !== undefined && method !== 'aws:kms' && method !== 'aws:kms:dsse') {
    throw invalidArgument('Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms', KMS_KEY_ID_HEADER, kmsKeyId);
  }
  if (customer !== undefined && method !== undefined) {
    throw invalidArgument('Server Side Encryption with Customer provided key is incompatible with the encryption method specified', SSE_HEADER, method);
  }
  if (method === 'aws:kms' || method === 'aws:kms:dsse') {
    const extra = { encryptionContextBase64: requestedEncryptionContext(context), bucketKeyEnabled: requestedBucketKey(context) };
    const keyId = requestedKmsKeyId(context, kmsKeyId);
    return newKmsEncryption(context, method === 'aws:kms' ? 'SSE-KMS' : 'DSSE-KMS', keyId, { bucket: context.bucket!, key: context.key! }, extra);
  }
  if (customer !== undefined) {
    const salt = randomBytes(CUSTOMER_KEY_SALT_BYTES);
    return {
      dataKey: customer.key,
      stored: {
        kind: 'SSE-C',
        customerKeyMd5Base64: customer.md5Base64,
        customerKeySaltBase64: salt.toString('base64'),
        customerKeyHmacBase64: customerKeyHmac(customer.key, salt).toString('base64'),
      },
    };
  }
  if (method === 'AES256') return newSseS3(context.layers);
  return undefined;
}

/** SSE-S3: a fresh data key for this object version, wrapped by the current master key. */
export function newSseS3(layers: Layers): NewObjectEncryption {
  return newSseS3Key(layers);
}

/** GET and HEAD take no x-amz-server-side-encryption header (S3 answers 400). */
export function refuseEncryptionHeaderOnRead(context: RequestContext): void {
  const method = header(context, SSE_HEADER);
  if (method !== undefined) throw invalidArgument('x-amz-server-side-encryption header is not supported for this operation.', SSE_HEADER, method);
}

/**
 * The data key of an object being read (GET, HEAD, a copy's source, an upload's part): undefined for
 * an object stored as sent. SSE-C needs the customer key under `prefix` (the copy source's headers
 * for a copy): missing → 400 InvalidRequest, wrong → 403 AccessDenied; a key for an object that
 * is not SSE-C is refused as S3 refuses it.
 */
export function dataKeyFor(
  context: RequestContext, encryption: StoredEncryption | undefined, owner: { bucket: string; key: string }, options: { copySource?: boolean; unwrap?: boolean } = {},
): Buffer | undefined {
  const prefix = options.copySource === true ? COPY_SOURCE_CUSTOMER_PREFIX : CUSTOMER_PREFIX;
  const customer = customerKeyFrom(context, prefix);
  if (encryption?.kind !== 'SSE-C') {
    if (customer !== undefined) throw new S3Error('InvalidRequest', 'The encryption parameters are not applicable to this object.');
    // HEAD and GetObjectAttributes read no bytes: they need no key (and a disabled KMS key does not stop them).
    if (encryption === undefined || options.unwrap === false) return undefined;
    return withKms(() => serverHeldDataKey(context.layers, encryption, owner));
  }
  if (customer === undefined) {
    throw new S3Error('InvalidRequest', 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
  }
  const expected = Buffer.from(encryption.customerKeyHmacBase64!, 'base64');
  const actual = customerKeyHmac(customer.key, Buffer.from(encryption.customerKeySaltBase64!, 'base64'));
  if (!timingSafeEqual(expected, actual)) throw new S3Error('AccessDenied', 'The provided customer key does not match the key the object was stored with.');
  return customer.key;
}

/** The object's data key for a read of `object` (the request's own SSE-C headers). */
export function objectDataKey(context: RequestContext, object: ObjectRecord, unwrap = true): Buffer | undefined {
  return dataKeyFor(context, object.headers.encryption, object, { unwrap });
}

/** The headers S3 answers about an object's (or upload's) encryption, on reads and writes alike. */
export function encryptionResponseHeaders(encryption: StoredEncryption | undefined): Record<string, string> {
  if (encryption === undefined) return {};
  if (encryption.kind === 'SSE-KMS' || encryption.kind === 'DSSE-KMS') return kmsResponseHeaders(encryption);
  if (encryption.kind === 'SSE-C') {
    return { [`${CUSTOMER_PREFIX}algorithm`]: 'AES256', [`${CUSTOMER_PREFIX}key-MD5`]: encryption.customerKeyMd5Base64! };
  }
  return { [SSE_HEADER]: 'AES256' };
}

/**
 * What a new object in `bucket` is encrypted with: what the request asked (checked earlier by
 * requestedEncryption), else the bucket's default encryption (PutBucketEncryption), else nothing.
 */
export async function encryptionForNewObject(context: RequestContext, bucket: string, requested: NewObjectEncryption | undefined): Promise<NewObjectEncryption | undefined> {
  if (requested !== undefined) return requested;
  const configuration = await requestBucketSetting(context, bucket, 'encryption');
  if (configuration === undefined) return undefined;
  if (configuration.algorithm === 'AES256') return newSseS3(context.layers);
  const keyId = requestedKmsKeyId(context, configuration.kmsKeyId);
  const kind = configuration.algorithm === 'aws:kms' ? 'SSE-KMS' : 'DSSE-KMS';
  return newKmsEncryption(context, kind, keyId, { bucket, key: context.key! }, { bucketKeyEnabled: configuration.bucketKeyEnabled });
}

/**
 * The ETag an object stores: the plaintext MD5 (S3's, for SSE-S3 and SSE-KMS too), except for SSE-C,
 * where S3's ETag is not the MD5 of the data: it is salted here, so the index holds no digest that
 * would let anyone confirm a guess of the customer's plaintext.
 */
export function storedEtag(encryption: StoredEncryption | undefined, md5Hex: string): string {
  if (encryption?.kind !== 'SSE-C') return md5Hex;
  return createHash('md5').update(Buffer.from(encryption.customerKeySaltBase64!, 'base64')).update(md5Hex).digest('hex');
}
