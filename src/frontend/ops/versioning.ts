// Bucket versioning: Put/GetBucketVersioning and ListObjectVersions.
import { recordBucketVersioning } from '../../services/event-records.js';
import type { VersionSummary } from '../../index/types.js';
import { LIST_PAGE_ENTRIES_MAX, XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import type { RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { readSmallBody } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { isoDate } from '../time.js';
import { etagNode, node, parseXmlBody, xmlDocument, type XmlNode } from '../xml.js';
import { ownerNodes } from '../owner.js';
import { requireBucket } from '../request/bucket.js';
import { parseEncodingType, urlEncodeName } from '../request/encoding-type.js';
import { checkedVersionId } from '../request/version-id.js';

export async function putBucketVersioning(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  const configuration = parseXmlBody(body)['VersioningConfiguration'];
  if (typeof configuration !== 'object' || configuration === null) throw new S3Error('MalformedXML');
  const { Status: status, MfaDelete: mfaDelete } = configuration as Record<string, unknown>;
  if (status !== 'Enabled' && status !== 'Suspended') throw new S3Error('MalformedXML');
  if (mfaDelete !== undefined && mfaDelete !== 'Disabled') {
    throw new S3Error('NotImplemented', 'MFA delete is not supported.', { extraFields: { Header: 'x-amz-mfa' } });
  }
  const outcome = await context.layers.index.setBucketVersioning(context.bucket!, status);
  if (outcome === 'no-such-bucket') throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  if (outcome === 'object-lock-enabled') {
    throw new S3Error('InvalidBucketState', 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.');
  }
  await recordBucketVersioning(context.layers.storage, context.bucket!, status);
  sendEmpty(context.res, 200);
}

export async function getBucketVersioning(context: RequestContext): Promise<void> {
  const bucket = await requireBucket(context);
  // A bucket that was never versioned answers an empty configuration, as S3 does.
  sendXml(context.res, 200, xmlDocument('VersioningConfiguration', bucket.versioning === undefined ? [] : [node('Status', bucket.versioning)]));
}

function versionNode(owner: XmlNode, version: VersionSummary, encode: (name: string) => string): XmlNode {
  const identity = [node('Key', encode(version.key)), node('VersionId', version.versionId), node('IsLatest', version.isLatest), node('LastModified', isoDate(version.lastModifiedMs))];
  if (version.isDeleteMarker) return node('DeleteMarker', [...identity, owner]);
  return node('Version', [...identity, etagNode(version.etag), node('Size', version.sizeBytes), node('StorageClass', version.storageClass), owner]);
}

export async function listObjectVersions(context: RequestContext): Promise<void> {
  const bucket = await requireBucket(context);
  const maxKeysText = context.query.get('max-keys');
  if (maxKeysText !== null && !/^\d{1,10}$/.test(maxKeysText)) {
    throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { extraFields: { ArgumentName: 'max-keys', ArgumentValue: maxKeysText } });
  }
  const maxKeys = maxKeysText === null ? LIST_PAGE_ENTRIES_MAX : Math.min(Number(maxKeysText), LIST_PAGE_ENTRIES_MAX);
  const encodingType = parseEncodingType(context);
  const encode = encodingType === 'url' ? urlEncodeName : (name: string) => name;
  const prefix = context.query.get('prefix') ?? '';
  const delimiter = context.query.get('delimiter') ?? '';
  const keyMarker = context.query.get('key-marker') ?? '';
  const versionIdMarker = context.query.get('version-id-marker') ?? '';
  if (versionIdMarker !== '') {
    if (keyMarker === '') throw new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', { extraFields: { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker } });
    checkedVersionId(versionIdMarker);
  }
  const page = await context.layers.index.listObjectVersions({ bucket: context.bucket!, prefix, delimiter, keyMarker, versionIdMarker, maxEntries: maxKeys });
  const owner = node('Owner', await ownerNodes(context, bucket.ownerId));
  sendXml(context.res, 200, xmlDocument('ListVersionsResult', [
    node('Name', context.bucket!),
    node('Prefix', encode(prefix)),
    node('KeyMarker', encode(keyMarker)),
    node('VersionIdMarker', versionIdMarker),
    node('NextKeyMarker', page.isTruncated && page.nextKeyMarker !== undefined ? encode(page.nextKeyMarker) : undefined),
    node('NextVersionIdMarker', page.isTruncated ? page.nextVersionIdMarker : undefined),
    node('MaxKeys', maxKeys),
    node('Delimiter', delimiter === '' ? undefined : encode(delimiter)),
    node('IsTruncated', page.isTruncated),
    node('EncodingType', encodingType),
    ...page.versions.map((version) => versionNode(owner, version, encode)),
    ...page.commonPrefixes.map((commonPrefix) => node('CommonPrefixes', [node('Prefix', encode(commonPrefix))])),
  ]));
}
