// CompleteMultipartUpload: validate the part list against what was uploaded, compute the ETag
// (MD5 of the part MD5s, "-N") and the checksum (FULL_OBJECT: the parts' CRCs combined; COMPOSITE:
// a checksum of the part checksums, "-N"), then commit without touching the data again.
import { createHash } from 'node:crypto';
import type { ChecksumAlgorithm, ChecksumType, StoredChecksum, StoredPart, UploadRecord } from '../../index/types.js';
import { COMPLETE_MULTIPART_BODY_SIZE_BYTES_MAX, PART_NUMBER_MAX, PART_SIZE_BYTES_MIN } from '../../limits.js';
import { encryptionResponseHeaders } from '../request/encryption.js';
import { completeUpload } from '../../services/multipart.js';
import { CHECKSUM_HEADER_BY_ALGORITHM, combineCrcs, createChecksummer } from '../checksums.js';
import { changeOrigin, header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { DEFAULT_CHECKSUM_ALGORITHM, readSmallBody } from '../payload.js';
import { sendXml } from '../respond.js';
import { asArray, node, parseXmlBody, xmlDocument } from '../xml.js';
import { conditionError, writeConditionFromHeaders } from '../request/write-conditions.js';
import { replicaVersionId } from '../request/replica.js';
import { requireUpload } from '../request/bucket.js';

interface RequestedPart {
  partNumber: number;
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

function parseCompleteRequest(body: Buffer): RequestedPart[] {
  const document = parseXmlBody(body)['CompleteMultipartUpload'];
  if (typeof document !== 'object' || document === null) throw new S3Error('MalformedXML');
  const parts = asArray((document as Record<string, unknown>)['Part'] as unknown);
  if (parts.length === 0 || parts.length > PART_NUMBER_MAX) throw new S3Error('MalformedXML');
  return parts.map((entry) => {
    if (typeof entry !== 'object' || entry === null) throw new S3Error('MalformedXML');
    const fields = entry as Record<string, unknown>;
    const numberText = fields['PartNumber'];
    const etag = fields['ETag'];
    if (typeof numberText !== 'string' || !/^\d{1,5}$/.test(numberText.trim()) || typeof etag !== 'string') throw new S3Error('MalformedXML');
    const checksums: RequestedPart['checksums'] = {};
    for (const algorithm of Object.keys(CHECKSUM_HEADER_BY_ALGORITHM) as ChecksumAlgorithm[]) {
      const value = fields[`Checksum${algorithm}`];
      if (typeof value === 'string') checksums[algorithm] = value.trim();
    }
    return { partNumber: Number(numberText.trim()), etag: etag.trim().replace(/^"(.*)"$/, '$1'), checksums };
  });
}

async function uploadedParts(context: RequestContext, uploadId: string): Promise<Map<number, StoredPart>> {
  const { parts } = await context.layers.index.listParts(uploadId, 0, PART_NUMBER_MAX);
  return new Map(parts.map((part) => [part.partNumber, part]));
}

function invalidPart(part: RequestedPart, reason: string): S3Error {
  return new S3Error('InvalidPart', `One or more of the specified parts could not be found. ${reason}`, {
    extraFields: { PartNumber: String(part.partNumber), ETag: part.etag },
  });
}

/** The uploaded parts the request names, checked in order, size and identity. */
function chooseParts(requested: RequestedPart[], uploaded: Map<number, StoredPart>): StoredPart[] {
  // Order is judged on the whole list before any part's identity or size, as S3 does.
  requested.forEach((entry, position) => {
    if (position > 0 && entry.partNumber <= requested[position - 1]!.partNumber) throw new S3Error('InvalidPartOrder');
  });
  return requested.map((entry, position) => {
    const stored = uploaded.get(entry.partNumber);
    if (stored === undefined) throw invalidPart(entry, 'The part may not have been uploaded.');
    if (stored.etag !== entry.etag) throw invalidPart(entry, "The specified entity tag may not match the part's entity tag.");
    for (const [algorithm, value] of Object.entries(entry.checksums)) {
      if (stored.checksum?.algorithm === algorithm && stored.checksum.valueBase64 !== value) {
        throw invalidPart(entry, "The specified checksum may not match the part's checksum.");
      }
    }
    const isLast = position === requested.length - 1;
    if (!isLast && stored.sizeBytes < PART_SIZE_BYTES_MIN) {
      throw new S3Error('EntityTooSmall', undefined, {
        extraFields: { ProposedSize: String(stored.sizeBytes), MinSizeAllowed: String(PART_SIZE_BYTES_MIN), PartNumber: String(entry.partNumber), ETag: entry.etag },
      });
    }
    return stored;
  });
}

function multipartEtag(parts: StoredPart[]): string {
  const md5 = createHash('md5');
  for (const part of parts) md5.update(Buffer.from(part.etag, 'hex'));
  return `${md5.digest('hex')}-${parts.length}`;
}

function objectChecksum(upload: UploadRecord, parts: StoredPart[]): StoredChecksum | undefined {
  const algorithm = upload.checksumAlgorithm ?? DEFAULT_CHECKSUM_ALGORITHM;
  const type: ChecksumType = upload.checksumType ?? 'FULL_OBJECT';
  if (parts.some((part) => part.checksum?.algorithm !== algorithm)) return undefined;
  const digests = parts.map((part) => ({ digest: Buffer.from(part.checksum!.valueBase64, 'base64'), sizeBytes: part.sizeBytes }));
  if (type === 'FULL_OBJECT') return { algorithm, type, valueBase64: combineCrcs(algorithm, digests).toString('base64') };
  const checksummer = createChecksummer(algorithm);
  for (const { digest } of digests) checksummer.update(digest);
  return { algorithm, type, valueBase64: `${checksummer.digest().toString('base64')}-${parts.length}` };
}

/** Whole-object checks a client may send with Complete: type, checksum value, total size. */
function checkDeclaredWholeObject(context: RequestContext, checksum: StoredChecksum | undefined, sizeBytes: number): void {
  const declaredType = header(context, 'x-amz-checksum-type');
  if (declaredType !== undefined && declaredType !== (checksum?.type ?? declaredType)) {
    throw new S3Error('InvalidRequest', `The upload was created using the ${checksum!.type} checksum mode. The complete request must use the same checksum mode.`);
  }
  if (checksum !== undefined) {
    const declaredValue = header(context, CHECKSUM_HEADER_BY_ALGORITHM[checksum.algorithm]);
    if (declaredValue !== undefined && declaredValue.replace(/-\d+$/, '') !== checksum.valueBase64.replace(/-\d+$/, '')) {
      throw new S3Error('BadDigest', `The ${checksum.algorithm} you specified did not match the calculated checksum.`);
    }
  }
  const declaredSize = header(context, 'x-amz-mp-object-size');
  if (declaredSize !== undefined && Number(declaredSize) !== sizeBytes) {
    throw new S3Error('InvalidRequest', `The provided 'x-amz-mp-object-size' header value ${declaredSize} does not match what was computed: ${sizeBytes}`);
  }
}

export async function completeMultipartUpload(context: RequestContext): Promise<void> {
  const condition = writeConditionFromHeaders(context);
  const upload = await requireUpload(context);
  const { body } = await readSmallBody(context, COMPLETE_MULTIPART_BODY_SIZE_BYTES_MAX, { kind: 'headers-not-for-body' });
  const parts = chooseParts(parseCompleteRequest(body), await uploadedParts(context, upload.uploadId));
  const sizeBytes = parts.reduce((total, part) => total + part.sizeBytes, 0);
  const checksum = objectChecksum(upload, parts);
  checkDeclaredWholeObject(context, checksum, sizeBytes);
  // A replica upload (created with x-cairn-replica-version-id) completes under the source's version id.
  const replicaOf = await replicaVersionId(context, 's3:ReplicateObject');
  if (replicaOf !== undefined && upload.headers.replicationStatus !== 'REPLICA') throw new S3Error('InvalidRequest', 'The upload was not created as a replica.');
  const outcome = await completeUpload(context.layers, upload, parts, { etag: multipartEtag(parts), sizeBytes, checksum }, condition, changeOrigin(context), replicaOf);
  if (!outcome.stored) {
    if (outcome.reason === 'no-such-upload') throw new S3Error('NoSuchUpload', undefined, { extraFields: { UploadId: upload.uploadId } });
    // A part was uploaded again while this request was assembling the object.
    if (outcome.reason === 'invalid-part') throw new S3Error('InvalidPart');
    // A version written after the upload began raced this one: S3 calls that a conflict, not a failed condition.
    const raced = outcome.current !== undefined && outcome.current.lastModifiedMs >= upload.initiatedMs;
    throw conditionError(outcome.reason, upload.key, raced && condition?.ifNoneMatch === true);
  }
  const { object } = outcome;
  if (object.versionId !== 'null') context.res.setHeader('x-amz-version-id', object.versionId);
  // CompleteMultipartUpload names the SSE method only (S3's response has no SSE-C fields).
  if (object.headers.encryption?.kind !== 'SSE-C') {
    for (const [name, value] of Object.entries(encryptionResponseHeaders(object.headers.encryption))) context.res.setHeader(name, value);
  }
  const result = [
    node('Location', `/${object.bucket}/${encodeURIComponent(object.key)}`),
    node('Bucket', object.bucket),
    node('Key', object.key),
    node('ETag', `"${object.etag}"`),
  ];
  if (object.checksum !== undefined) {
    result.push(node(`Checksum${object.checksum.algorithm}`, object.checksum.valueBase64), node('ChecksumType', object.checksum.type));
  }
  sendXml(context.res, 200, xmlDocument('CompleteMultipartUploadResult', result));
}
