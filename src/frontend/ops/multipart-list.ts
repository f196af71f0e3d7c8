// ListParts and ListMultipartUploads, with their markers, prefix and delimiter.
import { LIST_PAGE_ENTRIES_MAX, PART_NUMBER_MAX } from '../../limits.js';
import type { RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { sendXml } from '../respond.js';
import { isoDate } from '../time.js';
import { node, xmlDocument } from '../xml.js';
import { bucketOwnerNodes } from '../owner.js';
import { requireBucket, requireUpload } from '../request/bucket.js';
import { parseEncodingType, urlEncodeName } from '../request/encoding-type.js';

function parseCount(context: RequestContext, name: string, fallback: number, maximum: number): number {
  const text = context.query.get(name);
  if (text === null) return fallback;
  if (!/^\d{1,10}$/.test(text)) {
    throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, { extraFields: { ArgumentName: name, ArgumentValue: text } });
  }
  return Math.min(Number(text), maximum);
}

export async function listParts(context: RequestContext): Promise<void> {
  const upload = await requireUpload(context);
  const maxParts = parseCount(context, 'max-parts', LIST_PAGE_ENTRIES_MAX, LIST_PAGE_ENTRIES_MAX);
  const marker = parseCount(context, 'part-number-marker', 0, PART_NUMBER_MAX);
  const { parts, isTruncated } = await context.layers.index.listParts(upload.uploadId, marker, maxParts);
  const explicitChecksum = upload.checksumAlgorithm !== undefined;
  // Cairn keeps no initiator: uploads, like objects, belong to the bucket's owner.
  const owner = await bucketOwnerNodes(context);
  sendXml(context.res, 200, xmlDocument('ListPartsResult', [
    node('Bucket', upload.bucket),
    node('Key', upload.key),
    node('UploadId', upload.uploadId),
    node('PartNumberMarker', marker),
    node('NextPartNumberMarker', parts.length === 0 ? undefined : parts[parts.length - 1]!.partNumber),
    node('MaxParts', maxParts),
    node('IsTruncated', isTruncated),
    node('Initiator', owner),
    node('Owner', owner),
    node('StorageClass', upload.storageClass),
    node('ChecksumAlgorithm', upload.checksumAlgorithm),
    node('ChecksumType', upload.checksumType),
    ...parts.map((part) => node('Part', [
      node('PartNumber', part.partNumber),
      node('LastModified', isoDate(part.lastModifiedMs)),
      node('ETag', `"${part.etag}"`),
      node('Size', part.sizeBytes),
      explicitChecksum && part.checksum !== undefined ? node(`Checksum${part.checksum.algorithm}`, part.checksum.valueBase64) : node('Checksum', undefined),
    ])),
  ]));
}

export async function listMultipartUploads(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const maxUploads = parseCount(context, 'max-uploads', LIST_PAGE_ENTRIES_MAX, LIST_PAGE_ENTRIES_MAX);
  const encodingType = parseEncodingType(context);
  const encode = encodingType === 'url' ? urlEncodeName : (name: string) => name;
  const prefix = context.query.get('prefix') ?? '';
  const delimiter = context.query.get('delimiter') ?? '';
  const keyMarker = context.query.get('key-marker') ?? '';
  const uploadIdMarker = context.query.get('upload-id-marker') ?? '';
  const owner = await bucketOwnerNodes(context);
  const page = await context.layers.index.listUploads({
    bucket: context.bucket!, prefix, delimiter, keyMarker, uploadIdMarker: keyMarker === '' ? undefined : uploadIdMarker, maxEntries: maxUploads,
  });
  sendXml(context.res, 200, xmlDocument('ListMultipartUploadsResult', [
    node('Bucket', context.bucket!),
    node('KeyMarker', encode(keyMarker)),
    node('UploadIdMarker', uploadIdMarker),
    node('NextKeyMarker', page.isTruncated && page.nextKeyMarker !== undefined ? encode(page.nextKeyMarker) : undefined),
    node('NextUploadIdMarker', page.isTruncated ? page.nextUploadIdMarker : undefined),
    node('Prefix', encode(prefix)),
    node('Delimiter', delimiter === '' ? undefined : encode(delimiter)),
    node('MaxUploads', maxUploads),
    node('IsTruncated', page.isTruncated),
    node('EncodingType', encodingType),
    ...page.uploads.map((upload) => node('Upload', [
      node('Key', encode(upload.key)),
      node('UploadId', upload.uploadId),
      node('Initiator', owner),
      node('Owner', owner),
      node('StorageClass', upload.storageClass),
      node('Initiated', isoDate(upload.initiatedMs)),
      node('ChecksumAlgorithm', upload.checksumAlgorithm),
      node('ChecksumType', upload.checksumType),
    ])),
    ...page.commonPrefixes.map((commonPrefix) => node('CommonPrefixes', [node('Prefix', encode(commonPrefix))])),
  ]));
}
