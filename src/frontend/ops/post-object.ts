// POST Object: a browser uploads a file from an HTML form (multipart/form-data) to a bucket URL,
// authorized by a signed POST policy in the form rather than by signed headers. Everything before the
// file part is checked first (signature, policy conditions, fields), so a refused upload reads no
// file bytes; the file then streams once through PutObject's hashing path into storage, and becomes
// visible only when the whole form has been read and every check has passed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StoredObjectHeaders, Tag } from '../../index/types.js';
import { PUT_OBJECT_SIZE_BYTES_MAX } from '../../limits.js';
import { writeObject, type Layers } from '../../services/objects.js';
import type { StoredAcl } from '../../index/types.js';
import { objectAclForWrite } from '../request/acl-headers.js';
import type { Identities } from '../../services/iam/identities.js';
import { requireAuthorized } from '../auth/authorize.js';
import { ANONYMOUS_AUTHENTICATION, resolveClaimedKey, type RootIdentity } from '../auth/identify.js';
import type { CredentialLookup } from '../auth/sigv4.js';
import { authenticateForm, missingFormField } from '../auth/post-form.js';
import { changeOrigin, type FrontendConfig, type Principal, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import {
  drainRequest,
  malformedForm,
  oneFileRequired,
  openForm,
  REFUSED_BODY_DRAIN_BYTES_MAX,
  REFUSED_BODY_DRAIN_TIMEOUT_MS,
  type FormFile,
  type OpenForm,
} from '../form-data.js';
import { IncomingPayload, type VerifiedPayload } from '../payload.js';
import { allowedSizeRange, enforcePostPolicy, fieldValues, type SizeRange } from '../post-policy.js';
import { sendEmpty, sendXml } from '../respond.js';
import { etagNode, node, xmlDocument } from '../xml.js';
import {
  assertCannedAcl,
  checksumHeadersFromFields,
  encryptionFromFields,
  expandFilename,
  redirectLocation,
  storageClassFromFields,
  storedHeadersFromFields,
  successAnswerFromFields,
  tagsFromFields,
  userMetadataFromFields,
  type SuccessAnswer,
} from '../request/post-object-fields.js';
import { checksumResponseHeaders } from '../request/checksum-headers.js';
import type { BucketLookup } from '../request/bucket.js';
import { assertKeyLength } from '../request/key.js';
import { encryptionResponseHeaders, newSseS3 } from '../request/encryption.js';
import { versionIdHeader } from '../request/version-id.js';

/** A POST Object request: authenticated from its form, so it carries no header authentication. */
export interface FormUploadRequest {
  requestId: string;
  req: IncomingMessage;
  res: ServerResponse;
  bucket: string;
  /** Set when the Host header named the bucket (virtual-hosted style): the object's URL then has no bucket in its path. */
  virtualHostBucket: string | undefined;
  layers: Layers;
  config: FrontendConfig;
  /** Who may sign a form: the root identity, or a user with an Active key. */
  root: RootIdentity;
  identities: Identities;
  log: (line: string) => void;
  /** The bucket's one read for this request (the S3 surface's, shared with CORS). */
  bucketLookup: BucketLookup;
  /** Told who signed the form and which key it names, once the form's signature has been checked. */
  onAuthenticated?: (principal: Principal, key: string) => void;
}

interface PreparedUpload {
  /** The key that signed the form; undefined for an anonymous (unsigned) form. */
  accessKeyId: string | undefined;
  file: FormFile;
  key: string;
  headers: StoredObjectHeaders;
  userMetadata: Record<string, string>;
  storageClass: string;
  tags: Tag[] | undefined;
  /** The form's `acl` field (a canned ACL). */
  cannedAcl: string | undefined;
  sizeRange: SizeRange;
  checksumHeaders: Record<string, string>;
  success: SuccessAnswer;
  encryption: 'AES256' | undefined;
}

/** Every check S3 makes before it reads the file: fields, signature, policy, then what the fields ask for. */
function prepareUpload(request: FormUploadRequest, fields: Array<{ name: string; value: string }>, file: FormFile | undefined, lookup: CredentialLookup): PreparedUpload {
  if (file === undefined) throw oneFileRequired(0);
  const expanded = expandFilename(fields, file.filename);
  const values = fieldValues(expanded);
  const key = values.get('key');
  if (key === undefined) throw missingFormField('key');
  // An unsigned form is an anonymous upload: allowed only where a bucket policy lets anyone PutObject.
  const auth = authenticateForm((name) => values.get(name), lookup);
  if (auth !== null) enforcePostPolicy(auth.policy, { fields: expanded, bucket: request.bucket }, Date.now());
  if (key === '') throw new S3Error('InvalidArgument', 'User key must have a length greater than 0.', { extraFields: { ArgumentName: 'key', ArgumentValue: '' } });
  assertKeyLength(key);
  assertCannedAcl(values);
  return {
    accessKeyId: auth?.accessKeyId,
    file,
    key,
    headers: storedHeadersFromFields(values),
    userMetadata: userMetadataFromFields(values),
    storageClass: storageClassFromFields(values),
    tags: tagsFromFields(values),
    cannedAcl: values.get('acl'),
    sizeRange: allowedSizeRange(auth?.policy, PUT_OBJECT_SIZE_BYTES_MAX),
    checksumHeaders: checksumHeadersFromFields(values),
    success: successAnswerFromFields(values),
    encryption: encryptionFromFields(values),
  };
}

function entityTooLarge(proposedSizeBytes: number | undefined, maxBytes: number): S3Error {
  return new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
    extraFields: { ...(proposedSizeBytes === undefined ? {} : { ProposedSize: String(proposedSizeBytes) }), MaxSizeAllowed: String(maxBytes) },
  });
}

/**
 * The file part's bytes, refused past the policy's maximum size. The stream ends only once the rest
 * of the form is parsed, so nothing is committed unless the form is whole and holds one file.
 */
async function* fileBytes(form: OpenForm, file: FormFile, maxBytes: number): AsyncGenerator<Buffer> {
  let sizeBytes = 0;
  try {
    for await (const chunk of file.data as AsyncIterable<Buffer>) {
      sizeBytes += chunk.byteLength;
      if (sizeBytes <= maxBytes) {
        yield chunk;
        continue;
      }
      // Too large: the rest is counted (not stored) so the error can say how large, up to a bound.
      if (sizeBytes - maxBytes > REFUSED_BODY_DRAIN_BYTES_MAX) throw entityTooLarge(undefined, maxBytes);
    }
  } catch (error) {
    if (error instanceof S3Error) throw error;
    // The multipart parser failed mid-file (the body ended inside the file part).
    throw malformedForm();
  }
  if (sizeBytes > maxBytes) throw entityTooLarge(sizeBytes, maxBytes);
  await form.finished;
}

function checkMinimumSize(verified: VerifiedPayload, range: SizeRange): VerifiedPayload {
  if (verified.sizeBytes < range.minBytes) {
    throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
      extraFields: { ProposedSize: String(verified.sizeBytes), MinSizeAllowed: String(range.minBytes) },
    });
  }
  return verified;
}

/** The object's URL, key percent-encoded ("/" too), as S3 gives it in Location. */
function objectLocation(request: FormUploadRequest, key: string): string {
  const host = request.req.headers.host ?? '127.0.0.1';
  const path = request.virtualHostBucket === undefined ? `/${request.bucket}/${encodeURIComponent(key)}` : `/${encodeURIComponent(key)}`;
  return `http://${host}${path}`;
}

function answer(request: FormUploadRequest, upload: PreparedUpload, etagHex: string, headers: Record<string, string>): void {
  const { res, bucket } = request;
  const location = objectLocation(request, upload.key);
  const common = { ...headers, ETag: `"${etagHex}"` };
  if (upload.success.kind === 'redirect') {
    const target = redirectLocation(upload.success.url, bucket, upload.key, etagHex);
    sendEmpty(res, 303, { ...common, Location: Buffer.from(target, 'utf8').toString('latin1') });
    return;
  }
  if (upload.success.status === 201) {
    for (const [name, value] of Object.entries({ ...common, Location: location })) res.setHeader(name, value);
    // S3's PostResponse carries no namespace.
    sendXml(res, 201, xmlDocument('PostResponse', [node('Location', location), node('Bucket', bucket), node('Key', upload.key), etagNode(etagHex)], null));
    return;
  }
  sendEmpty(res, upload.success.status, { ...common, Location: location });
}

/** The access key id a form names (x-amz-credential's first part, or AWSAccessKeyId), read before its signature is checked. */
function claimedFormAccessKeyId(fields: Array<{ name: string; value: string }>): string | undefined {
  const values = fieldValues(fields);
  return values.get('x-amz-credential')?.split('/', 1)[0] ?? values.get('awsaccesskeyid');
}

/**
 * The form's signer (or anonymous) needs s3:PutObject on the key, and s3:PutObjectTagging to tag it;
 * then the ACL its `acl` field gives the object, under the bucket's Object Ownership.
 */
async function authorizeUpload(request: FormUploadRequest, upload: PreparedUpload, principal: Principal): Promise<StoredAcl | undefined> {
  const context: RequestContext = {
    requestId: request.requestId, req: request.req, res: request.res, method: 'POST', bucket: request.bucket, key: upload.key,
    query: new URLSearchParams(), auth: principal.kind === 'user' ? { accessKeyId: principal.accessKeyId, payload: { kind: 'unsigned' } } : ANONYMOUS_AUTHENTICATION,
    principal, bucketAccess: new Map(), bucketLookup: request.bucketLookup, layers: request.layers, identities: request.identities, config: request.config, log: request.log,
  };
  if (principal.kind !== 'root') {
    await requireAuthorized(context, 's3:PutObject');
    if (upload.tags !== undefined) await requireAuthorized(context, 's3:PutObjectTagging');
  }
  return objectAclForWrite(context, upload.cannedAcl);
}

export async function postObject(request: FormUploadRequest): Promise<void> {
  let form: OpenForm;
  try {
    form = openForm(request.req);
  } catch (error) {
    await drainRequest(request.req, REFUSED_BODY_DRAIN_BYTES_MAX, REFUSED_BODY_DRAIN_TIMEOUT_MS);
    throw error;
  }
  try {
    const { fields, file } = await form.untilFile;
    if (await request.bucketLookup() === undefined) {
      throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: request.bucket } });
    }
    const claimed = await resolveClaimedKey(claimedFormAccessKeyId(fields), request.root, request.identities);
    const upload = prepareUpload(request, fields, file, claimed.lookup);
    const principal = claimed.principalOf(upload.accessKeyId);
    request.onAuthenticated?.(principal, upload.key);
    const acl = await authorizeUpload(request, upload, principal);
    const payload = new IncomingPayload({ data: fileBytes(form, upload.file, upload.sizeRange.maxBytes), headers: upload.checksumHeaders }, PUT_OBJECT_SIZE_BYTES_MAX);
    const sse = upload.encryption ?? (await request.layers.index.readBucketSetting(request.bucket, 'encryption'))?.algorithm;
    const encryption = sse === 'AES256' ? newSseS3(request.layers) : undefined;
    const outcome = await writeObject(request.layers, {
      bucket: request.bucket,
      key: upload.key,
      headers: { ...upload.headers, encryption: encryption?.stored },
      dataKey: encryption?.dataKey,
      userMetadata: upload.userMetadata,
      storageClass: upload.storageClass,
      body: payload.chunks(),
      verify: () => checkMinimumSize(payload.finish(), upload.sizeRange),
      tags: upload.tags,
      acl,
      origin: { ...changeOrigin(request), action: 'Post' },
    });
    if (!outcome.stored) throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: request.bucket } });
    const { object } = outcome;
    answer(request, upload, object.etag, {
      ...checksumResponseHeaders(object.checksum), ...versionIdHeader(object.versionId), ...encryptionResponseHeaders(object.headers.encryption),
    });
  } catch (error) {
    await form.abandon();
    throw error;
  }
}
