// GetObjectAttributes: ETag, Checksum, ObjectParts (paged), StorageClass and ObjectSize in one call.
import { LIST_PAGE_ENTRIES_MAX, PART_NUMBER_MAX } from '../../limits.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { sendXml } from '../respond.js';
import { httpDate } from '../time.js';
import { node, xmlDocument, type XmlNode } from '../xml.js';
import { requireBucket } from '../request/bucket.js';
import { objectDataKey } from '../request/encryption.js';
import { requireObject } from '../request/object.js';

const ATTRIBUTE_NAMES = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);

function requestedAttributes(context: RequestContext): Set<string> {
  const names = (header(context, 'x-amz-object-attributes') ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) {
    throw new S3Error('InvalidArgument', 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty', {
      extraFields: { ArgumentName: 'x-amz-object-attributes' },
    });
  }
  for (const name of names) {
    if (!ATTRIBUTE_NAMES.has(name)) {
      throw new S3Error('InvalidArgument', 'Invalid attribute name specified.', { extraFields: { ArgumentName: 'x-amz-object-attributes', ArgumentValue: name } });
    }
  }
  return new Set(names);
}

function headerCount(context: RequestContext, name: string, fallback: number, maximum: number): number {
  const text = header(context, name);
  if (text === undefined) return fallback;
  if (!/^\d{1,10}$/.test(text)) throw new S3Error('InvalidArgument', `${name} must be a non-negative integer.`, { extraFields: { ArgumentName: name, ArgumentValue: text } });
  return Math.min(Number(text), maximum);
}

export async function getObjectAttributes(context: RequestContext): Promise<void> {
  const wanted = requestedAttributes(context);
  const maxParts = headerCount(context, 'x-amz-max-parts', LIST_PAGE_ENTRIES_MAX, LIST_PAGE_ENTRIES_MAX);
  const partNumberMarker = headerCount(context, 'x-amz-part-number-marker', 0, PART_NUMBER_MAX);
  await requireBucket(context);
  const object = await requireObject(context, context.bucket!, context.key!, context.query.get('versionId'));
  // An SSE-C object's attributes are answered only to a request with its key, as S3 does.
  objectDataKey(context, object, false);
  const children: XmlNode[] = [];
  if (wanted.has('ETag')) children.push(node('ETag', object.etag));
  const checksum = object.checksum;
  if (wanted.has('Checksum') && checksum !== undefined) {
    children.push(node('Checksum', [node(`Checksum${checksum.algorithm}`, checksum.valueBase64), node('ChecksumType', checksum.type)]));
  }
  if (wanted.has('ObjectParts') && object.parts !== undefined) {
    const following = object.parts.filter((part) => part.partNumber > partNumberMarker);
    const page = following.slice(0, maxParts);
    const isTruncated = following.length > page.length;
    // Part checksums are a part of the object's checksum only for COMPOSITE objects.
    const withPartChecksums = checksum?.type === 'COMPOSITE';
    children.push(node('ObjectParts', [
      // The API's TotalPartsCount travels as <PartsCount> on the wire.
      node('PartsCount', object.parts.length),
      node('PartNumberMarker', partNumberMarker),
      node('NextPartNumberMarker', page.length === 0 ? undefined : page[page.length - 1]!.partNumber),
      node('MaxParts', maxParts),
      node('IsTruncated', isTruncated),
      ...page.map((part) => node('Part', [
        node('PartNumber', part.partNumber),
        node('Size', part.sizeBytes),
        withPartChecksums && part.checksum !== undefined ? node(`Checksum${part.checksum.algorithm}`, part.checksum.valueBase64) : node('Checksum', undefined),
      ])),
    ]));
  }
  if (wanted.has('StorageClass')) children.push(node('StorageClass', object.storageClass));
  if (wanted.has('ObjectSize')) children.push(node('ObjectSize', object.sizeBytes));
  context.res.setHeader('Last-Modified', httpDate(object.lastModifiedMs));
  sendXml(context.res, 200, xmlDocument('GetObjectAttributesResponse', children));
}
