// Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.
import { recordBucketCreated, recordBucketDeleted } from '../../services/event-records.js';
import type { ObjectLockConfiguration } from '../../index/types.js';
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { ownerNodes } from '../owner.js';
import { readSmallBody } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { isoDate } from '../time.js';
import { node, parseXmlBody, xmlDocument } from '../xml.js';
import { initialAccessSettings } from '../../services/access-defaults.js';
import { bucketAclForCreate, requestedOwnership } from '../request/acl-headers.js';
import { requireBucket } from '../request/bucket.js';

const BUCKET_NAME_LENGTH_MIN = 3;
const BUCKET_NAME_LENGTH_MAX = 63;
const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_BUCKET_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];
/** ListBuckets returns at most this many buckets per page (S3's max-buckets limit). */
const LIST_BUCKETS_PAGE_MAX = 10000;
/** The one region where S3 answers a repeated CreateBucket of one's own bucket with 200, not 409. */
const LEGACY_CREATE_BUCKET_REGION = 'us-east-1';

/** S3's general purpose bucket naming rules; the reason a name breaks them, or undefined. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < BUCKET_NAME_LENGTH_MIN || name.length > BUCKET_NAME_LENGTH_MAX) {
    return `Bucket names must be between ${BUCKET_NAME_LENGTH_MIN} and ${BUCKET_NAME_LENGTH_MAX} characters long.`;
  }
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    return 'Bucket names can consist only of lowercase letters, numbers, dots and hyphens, and must begin and end with a letter or number.';
  }
  if (name.includes('..')) return 'Bucket names must not contain two adjacent periods.';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'Bucket names must not be formatted as an IP address.';
  if (RESERVED_BUCKET_PREFIXES.some((prefix) => name.startsWith(prefix))) return 'Bucket names must not start with a reserved prefix.';
  if (RESERVED_BUCKET_SUFFIXES.some((suffix) => name.endsWith(suffix))) return 'Bucket names must not end with a reserved suffix.';
  return undefined;
}

/** The canonical id the request's sender owns buckets under (anonymous requests never get this far). */
function requesterId(context: RequestContext): string {
  return context.principal.kind === 'anonymous' ? '' : context.principal.canonicalId;
}

export async function listBuckets(context: RequestContext): Promise<void> {
  const prefix = context.query.get('prefix') ?? '';
  const maxBucketsText = context.query.get('max-buckets');
  const maxBuckets = maxBucketsText === null ? LIST_BUCKETS_PAGE_MAX : Number(maxBucketsText);
  if (!Number.isInteger(maxBuckets) || maxBuckets < 1 || maxBuckets > LIST_BUCKETS_PAGE_MAX) {
    throw new S3Error('InvalidArgument', `max-buckets must be an integer from 1 to ${LIST_BUCKETS_PAGE_MAX}.`);
  }
  const token = context.query.get('continuation-token');
  const after = token === null ? '' : Buffer.from(token, 'base64url').toString('utf8');
  // The root identity sees every bucket; a user sees the buckets it owns.
  const ownerId = context.principal.kind === 'root' ? undefined : requesterId(context);
  const matching = (await context.layers.index.listBuckets())
    .filter((bucket) => bucket.name.startsWith(prefix) && bucket.name > after && (ownerId === undefined || bucket.ownerId === ownerId));
  const page = matching.slice(0, maxBuckets);
  const truncated = matching.length > page.length;
  const document = xmlDocument('ListAllMyBucketsResult', [
    node('Owner', await ownerNodes(context, requesterId(context))),
    node('Buckets', page.map((bucket) => node('Bucket', [
      node('Name', bucket.name),
      node('CreationDate', isoDate(bucket.createdAtMs)),
      node('BucketRegion', bucket.region),
    ]))),
    node('Prefix', context.query.has('prefix') ? prefix : undefined),
    node('ContinuationToken', truncated ? Buffer.from(page[page.length - 1]!.name).toString('base64url') : undefined),
  ]);
  sendXml(context.res, 200, document);
}

async function requestedLocation(context: RequestContext): Promise<string | undefined> {
  const declaredLength = header(context, 'content-length');
  const hasBody = (declaredLength !== undefined && declaredLength !== '0') || header(context, 'transfer-encoding') !== undefined
    || context.auth.payload.kind === 'aws-chunked';
  if (!hasBody) return undefined;
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  if (body.byteLength === 0) return undefined;
  const parsed = parseXmlBody(body);
  const configuration = parsed['CreateBucketConfiguration'];
  if (configuration === undefined || typeof configuration !== 'object') {
    if (configuration === '') return undefined;
    throw new S3Error('MalformedXML');
  }
  const location = (configuration as Record<string, unknown>)['LocationConstraint'];
  if (location !== undefined && typeof location !== 'string') throw new S3Error('MalformedXML');
  return location === '' ? undefined : location;
}

/** x-amz-bucket-object-lock-enabled: "true" creates the bucket with Object Lock enabled. */
function requestedObjectLock(context: RequestContext): boolean {
  const value = header(context, 'x-amz-bucket-object-lock-enabled');
  if (value === undefined || value.trim().toLowerCase() === 'false') return false;
  if (value.trim().toLowerCase() === 'true') return true;
  throw new S3Error('InvalidArgument', 'x-amz-bucket-object-lock-enabled must be true or false.', {
    extraFields: { ArgumentName: 'x-amz-bucket-object-lock-enabled', ArgumentValue: value },
  });
}

export async function createBucket(context: RequestContext): Promise<void> {
  const name = context.bucket!;
  const problem = bucketNameProblem(name);
  if (problem !== undefined) throw new S3Error('InvalidBucketName', problem, { extraFields: { BucketName: name } });
  const access = initialAccessSettings(context.config.newBucketDefaults, requestedOwnership(context));
  const acl = await bucketAclForCreate(context, access['ownership-controls'].ObjectOwnership, access['public-access-block']?.BlockPublicAcls === true);
  const objectLock = requestedObjectLock(context);
  const location = await requestedLocation(context);
  const { region } = context.config;
  // An empty constraint means "this server's region"; naming another region is refused, as a
  // regional S3 endpoint refuses it.
  if (location !== undefined && location !== region) {
    throw new S3Error('IllegalLocationConstraintException',
      `The ${location} location constraint is incompatible for the region specific endpoint this request was sent to.`);
  }
  // Object Lock needs every version kept: a bucket created with it is versioned from the start.
  const createdAtMs = Date.now();
  const outcome = await context.layers.index.createBucket({
    name,
    createdAtMs,
    region,
    ownerId: requesterId(context),
    versioning: objectLock ? 'Enabled' : undefined,
  }, { ...access, ...(acl === undefined ? {} : { acl }), ...(objectLock ? { 'object-lock': { enabled: true } satisfies ObjectLockConfiguration } : {}) });
  if (outcome === 'already-exists') {
    const existing = await context.layers.index.getBucket(name);
    const yours = existing === undefined || existing.ownerId === requesterId(context);
    // AWS's rule: in us-east-1 a repeated CreateBucket of one's own bucket answers 200 (for legacy
    // reasons) and changes nothing; in every other region it is 409 BucketAlreadyOwnedByYou.
    if (yours && region === LEGACY_CREATE_BUCKET_REGION) {
      sendEmpty(context.res, 200, { Location: `/${name}` });
      return;
    }
    throw new S3Error(yours ? 'BucketAlreadyOwnedByYou' : 'BucketAlreadyExists', undefined, { extraFields: { BucketName: name } });
  }
  await recordBucketCreated(context.layers.storage, name, { createdAtMs, region, ownerId: requesterId(context), objectLock });
  sendEmpty(context.res, 200, { Location: `/${name}` });
}

export async function headBucket(context: RequestContext): Promise<void> {
  const bucket = await requireBucket(context);
  sendEmpty(context.res, 200, { 'x-amz-bucket-region': bucket.region });
}

export async function deleteBucket(context: RequestContext): Promise<void> {
  const outcome = await context.layers.index.deleteBucket(context.bucket!);
  if (outcome === 'missing') throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  if (outcome === 'not-empty') throw new S3Error('BucketNotEmpty', undefined, { extraFields: { BucketName: context.bucket! } });
  await recordBucketDeleted(context.layers.storage, context.bucket!);
  sendEmpty(context.res, 204);
}

export async function getBucketLocation(context: RequestContext): Promise<void> {
  const bucket = await requireBucket(context);
  // S3 reports us-east-1 as an empty LocationConstraint, for compatibility with its oldest clients.
  const location = bucket.region === 'us-east-1' ? '' : bucket.region;
  sendXml(context.res, 200, xmlDocument('LocationConstraint', location));
}
