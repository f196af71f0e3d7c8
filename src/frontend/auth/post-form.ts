// Authentication of a browser upload (POST Object) from its form fields rather than its headers:
// the base64 policy is the string to sign. SigV4 ("Browser-Based Uploads Using POST"): x-amz-algorithm,
// x-amz-credential, x-amz-date, x-amz-signature = hex HMAC-SHA256 under the credential scope's signing
// key. SigV2 (the older HTML-forms page, and boto3's default generate_presigned_post): AWSAccessKeyId,
// signature = base64 HMAC-SHA1 under the secret key. A form with neither is anonymous.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { S3Error } from '../errors.js';
import { parsePostPolicy, type PostPolicy } from '../post-policy.js';
import { deriveSigningKey, parseCredential, type CredentialLookup } from './sigv4.js';

export interface FormAuthentication {
  accessKeyId: string;
  policy: PostPolicy;
}

/** A form field's value by its lower-case name (S3 reads field names without regard to case). */
export type FormFieldLookup = (lowerCaseName: string) => string | undefined;

const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
const AMZ_DATE_PATTERN = /^\d{8}T\d{6}Z$/;
const SIGV4_FIELDS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Signature'] as const;
const SIGV2_FIELDS = ['AWSAccessKeyId', 'Signature'] as const;
const POLICY_FIELD = 'Policy';

/** S3's answer for a required field that is absent (or came after the file, where S3 stops reading). */
export function missingFormField(name: string): S3Error {
  return new S3Error('InvalidArgument', `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`, {
    extraFields: { ArgumentName: name, ArgumentValue: '' },
  });
}

function invalidField(name: string, value: string, message: string): S3Error {
  return new S3Error('InvalidArgument', message, { extraFields: { ArgumentName: name, ArgumentValue: value } });
}

function requireFields<Name extends string>(field: FormFieldLookup, names: readonly Name[]): Record<Name, string> {
  const values = {} as Record<Name, string>;
  for (const name of names) {
    const value = field(name.toLowerCase());
    if (value === undefined) throw missingFormField(name);
    values[name] = value;
  }
  return values;
}

function signatureMismatch(accessKeyId: string, policyBase64: string, signatureProvided: string): S3Error {
  return new S3Error('SignatureDoesNotMatch', undefined, {
    extraFields: {
      AWSAccessKeyId: accessKeyId,
      StringToSign: policyBase64,
      SignatureProvided: signatureProvided,
      StringToSignBytes: [...Buffer.from(policyBase64, 'utf8')].map((byte) => byte.toString(16).padStart(2, '0')).join(' '),
    },
  });
}

function constantTimeEquals(expected: Buffer, provided: Buffer): boolean {
  return expected.byteLength === provided.byteLength && timingSafeEqual(expected, provided);
}

function secretFor(accessKeyId: string, lookup: CredentialLookup): string {
  const credentials = lookup(accessKeyId);
  if (credentials === undefined) throw new S3Error('InvalidAccessKeyId', undefined, { extraFields: { AWSAccessKeyId: accessKeyId } });
  return credentials.secretAccessKey;
}

function verifySigV4(field: FormFieldLookup, lookup: CredentialLookup): string {
  const values = requireFields(field, SIGV4_FIELDS);
  const policyBase64 = requireFields(field, [POLICY_FIELD])[POLICY_FIELD];
  const algorithm = values['X-Amz-Algorithm'];
  if (algorithm !== SIGV4_ALGORITHM) throw invalidField('X-Amz-Algorithm', algorithm, `X-Amz-Algorithm only supports "${SIGV4_ALGORITHM}"`);
  const credential = values['X-Amz-Credential'];
  let scope;
  try {
    scope = parseCredential(credential, 'InvalidArgument', '');
  } catch (error) {
    throw invalidField('X-Amz-Credential', credential, error instanceof Error ? error.message : String(error));
  }
  const amzDate = values['X-Amz-Date'];
  if (!AMZ_DATE_PATTERN.test(amzDate)) throw invalidField('X-Amz-Date', amzDate, 'X-Amz-Date must be formatted via ISO8601 Long format');
  const secretAccessKey = secretFor(scope.accessKeyId, lookup);
  const signingKey = deriveSigningKey(secretAccessKey, scope.date, scope.region, scope.service);
  const expected = createHmac('sha256', signingKey).update(policyBase64, 'utf8').digest();
  const provided = values['X-Amz-Signature'];
  const providedBytes = /^[0-9a-fA-F]{64}$/.test(provided) ? Buffer.from(provided, 'hex') : Buffer.alloc(0);
  if (!constantTimeEquals(expected, providedBytes)) throw signatureMismatch(scope.accessKeyId, policyBase64, provided);
  return scope.accessKeyId;
}

function verifySigV2(field: FormFieldLookup, lookup: CredentialLookup): string {
  const values = requireFields(field, SIGV2_FIELDS);
  const policyBase64 = requireFields(field, [POLICY_FIELD])[POLICY_FIELD];
  const accessKeyId = values.AWSAccessKeyId;
  const secretAccessKey = secretFor(accessKeyId, lookup);
  const expected = createHmac('sha1', secretAccessKey).update(policyBase64, 'utf8').digest();
  if (!constantTimeEquals(expected, Buffer.from(values.Signature, 'base64'))) throw signatureMismatch(accessKeyId, policyBase64, values.Signature);
  return accessKeyId;
}

/**
 * Verifies the form's signature over its policy, then parses the policy. Returns null for an
 * anonymous form (no signature fields at all); throws the S3 error for a bad or incomplete one.
 */
export function authenticateForm(field: FormFieldLookup, lookup: CredentialLookup): FormAuthentication | null {
  const present = (names: readonly string[]): boolean => names.some((name) => field(name.toLowerCase()) !== undefined);
  let accessKeyId: string;
  if (present(SIGV4_FIELDS)) accessKeyId = verifySigV4(field, lookup);
  else if (present(SIGV2_FIELDS)) accessKeyId = verifySigV2(field, lookup);
  else return null;
  // The signature covers the policy text as sent, so it is checked before the policy is read.
  return { accessKeyId, policy: parsePostPolicy(requireFields(field, [POLICY_FIELD])[POLICY_FIELD]) };
}
