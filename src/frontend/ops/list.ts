// ListObjects (v1) and ListObjectsV2: prefix, delimiter, markers and tokens, URL encoding.
import type { ListObjectsPage, ObjectSummary } from '../../index/types.js';
import { LIST_PAGE_ENTRIES_MAX } from '../../limits.js';
import type { RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { sendXml } from '../respond.js';
import { isoDate } from '../time.js';
import { escapeXmlText, node, renderNode, renderedXmlFragments, type XmlNode } from '../xml.js';
import { xmlDocumentBytes } from '../xml-bytes.js';
import { ownerNodes } from '../owner.js';
import { requireBucket } from '../request/bucket.js';
import { parseEncodingType, urlEncodeName } from '../request/encoding-type.js';

/** Continuation tokens are opaque to clients; the version tag lets a garbled one be refused. */
const CONTINUATION_TOKEN_TAG = 'c1:';

function parseMaxKeys(context: RequestContext): number {
  const text = context.query.get('max-keys');
  if (text === null) return LIST_PAGE_ENTRIES_MAX;
  if (!/^\d{1,10}$/.test(text)) {
    throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', {
      extraFields: { ArgumentName: 'max-keys', ArgumentValue: text },
    });
  }
  return Math.min(Number(text), LIST_PAGE_ENTRIES_MAX);
}

export function encodeContinuationToken(lastEntry: string): string {
  return Buffer.from(CONTINUATION_TOKEN_TAG + lastEntry, 'utf8').toString('base64url');
}

function decodeContinuationToken(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(CONTINUATION_TOKEN_TAG)) {
    throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', {
      extraFields: { ArgumentName: 'continuation-token' },
    });
  }
  return text.slice(CONTINUATION_TOKEN_TAG.length);
}

interface ListingShape {
  encode: (name: string) => string;
  withOwner: boolean;
}

/** The Contents elements of a page, one string each: a thousand per page, so no node objects. */
function contentsXml(owner: XmlNode, objects: ObjectSummary[], shape: ListingShape): XmlNode {
  const ownerXml = shape.withOwner ? renderNode(owner) : '';
  const fragments = new Array<string>(objects.length);
  for (let at = 0; at < objects.length; at++) {
    const object = objects[at]!;
    fragments[at] = `<Contents><Key>${escapeXmlText(shape.encode(object.key))}</Key><LastModified>${isoDate(object.lastModifiedMs)}</LastModified>`
      + `<ETag>&quot;${object.etag}&quot;</ETag><Size>${object.sizeBytes}</Size>`
      + `<StorageClass>${escapeXmlText(object.storageClass)}</StorageClass>${ownerXml}</Contents>`;
  }
  return renderedXmlFragments(fragments);
}

function commonPrefixNodes(page: ListObjectsPage, encode: (name: string) => string): XmlNode[] {
  return page.commonPrefixes.map((prefix) => node('CommonPrefixes', [node('Prefix', encode(prefix))]));
}

async function listPage(context: RequestContext, after: string | undefined, maxKeys: number) {
  const bucket = await requireBucket(context);
  const prefix = context.query.get('prefix') ?? '';
  const delimiter = context.query.get('delimiter') ?? '';
  const page = await context.layers.index.listObjects({ bucket: context.bucket!, prefix, delimiter, after, maxEntries: maxKeys });
  // Objects belong to their bucket's owner (BucketOwnerEnforced).
  const owner = node('Owner', await ownerNodes(context, bucket.ownerId));
  return { prefix, delimiter, page, owner };
}

export async function listObjectsV2(context: RequestContext): Promise<void> {
  const maxKeys = parseMaxKeys(context);
  const encodingType = parseEncodingType(context);
  const encode = encodingType === 'url' ? urlEncodeName : (name: string) => name;
  const token = context.query.get('continuation-token');
  const startAfter = context.query.get('start-after');
  const after = token !== null ? decodeContinuationToken(token) : startAfter ?? undefined;
  const { prefix, delimiter, page, owner } = await listPage(context, after, maxKeys);
  const document = xmlDocumentBytes('ListBucketResult', [
    node('Name', context.bucket!),
    node('Prefix', encode(prefix)),
    node('Delimiter', delimiter === '' ? undefined : encode(delimiter)),
    node('MaxKeys', maxKeys),
    node('KeyCount', page.objects.length + page.commonPrefixes.length),
    node('IsTruncated', page.isTruncated),
    node('EncodingType', encodingType),
    node('ContinuationToken', token ?? undefined),
    node('NextContinuationToken', page.isTruncated && page.lastEntry !== undefined ? encodeContinuationToken(page.lastEntry) : undefined),
    node('StartAfter', startAfter === null ? undefined : encode(startAfter)),
    contentsXml(owner, page.objects, { encode, withOwner: context.query.get('fetch-owner') === 'true' }),
    ...commonPrefixNodes(page, encode),
  ]);
  sendXml(context.res, 200, document);
}

export async function listObjectsV1(context: RequestContext): Promise<void> {
  const maxKeys = parseMaxKeys(context);
  const encodingType = parseEncodingType(context);
  const encode = encodingType === 'url' ? urlEncodeName : (name: string) => name;
  const marker = context.query.get('marker') ?? '';
  const { prefix, delimiter, page, owner } = await listPage(context, marker === '' ? undefined : marker, maxKeys);
  // S3 returns NextMarker only with a delimiter; without one, clients resume from the last key.
  const nextMarker = page.isTruncated && delimiter !== '' ? page.lastEntry : undefined;
  const document = xmlDocumentBytes('ListBucketResult', [
    node('Name', context.bucket!),
    node('Prefix', encode(prefix)),
    node('Marker', encode(marker)),
    node('NextMarker', nextMarker === undefined ? undefined : encode(nextMarker)),
    node('MaxKeys', maxKeys),
    node('Delimiter', delimiter === '' ? undefined : encode(delimiter)),
    node('IsTruncated', page.isTruncated),
    node('EncodingType', encodingType),
    contentsXml(owner, page.objects, { encode, withOwner: true }),
    ...commonPrefixNodes(page, encode),
  ]);
  sendXml(context.res, 200, document);
}
