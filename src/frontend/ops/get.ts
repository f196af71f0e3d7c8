// GetObject and HeadObject: conditional requests, one byte range, verified bytes streamed out.
import type { ObjectRecord } from '../../index/types.js';
import { readObject } from '../../services/objects.js';
import type { ByteRange } from '../../storage/index.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { setObjectResponseHeaders } from '../object-headers.js';
import { mayReadObjectLockState, setObjectLockResponseHeaders } from '../object-lock-headers.js';
import { writeAndFlush } from '../respond.js';
import { httpDate } from '../time.js';
import { refuseArchivedRead, restoreHeader, restorePhaseOf } from '../request/archive.js';
import { requireBucket } from '../request/bucket.js';
import { expirationHeaders } from '../request/expiration.js';
import { encryptionResponseHeaders, objectDataKey, refuseEncryptionHeaderOnRead } from '../request/encryption.js';
import { assertKeyLength } from '../request/key.js';
import { requireObject } from '../request/object.js';
import { parsePartNumber } from '../request/part-number.js';
import { failedPrecondition } from '../request/preconditions.js';

function checkPreconditions(context: RequestContext, object: ObjectRecord): void {
  const outcome = failedPrecondition({
    ifMatch: header(context, 'if-match'),
    ifNoneMatch: header(context, 'if-none-match'),
    ifModifiedSince: header(context, 'if-modified-since'),
    ifUnmodifiedSince: header(context, 'if-unmodified-since'),
  }, object, Date.now());
  if (outcome === 412) throw new S3Error('PreconditionFailed', undefined, { extraFields: { Condition: 'If-Match' } });
  if (outcome === 304) {
    throw new S3Error('NotModified', undefined, { headers: { ETag: `"${object.etag}"`, 'Last-Modified': httpDate(object.lastModifiedMs) } });
  }
}

/**
 * One byte range (RFC 7233) against an object of `sizeBytes`. Undefined means "whole object": no
 * Range header, or one S3 ignores (several ranges, bad syntax, last < first).
 */
export function parseRange(value: string | undefined, sizeBytes: number): ByteRange | undefined {
  if (value === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (match === null || (match[1] === '' && match[2] === '')) return undefined;
  const unsatisfiable = () => new S3Error('InvalidRange', undefined, {
    extraFields: { RangeRequested: value, ActualObjectSize: String(sizeBytes) },
    headers: { 'Content-Range': `bytes */${sizeBytes}` },
  });
  if (match[1] === '') {
    const suffixBytes = Number(match[2]);
    if (suffixBytes === 0 || sizeBytes === 0) throw unsatisfiable();
    return { startByte: Math.max(0, sizeBytes - suffixBytes), endByteInclusive: sizeBytes - 1 };
  }
  const startByte = Number(match[1]);
  if (match[2] !== '' && Number(match[2]) < startByte) return undefined;
  if (startByte >= sizeBytes) throw unsatisfiable();
  const lastByte = match[2] === '' ? sizeBytes - 1 : Math.min(Number(match[2]), sizeBytes - 1);
  return { startByte, endByteInclusive: lastByte };
}

/** The bytes `?partNumber=N` selects: a multipart object's part N; part 1 of any other is all of it. */
function partRange(context: RequestContext, object: ObjectRecord, partNumberText: string): ByteRange | undefined {
  if (header(context, 'range') !== undefined) throw new S3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
  const partNumber = parsePartNumber(partNumberText);
  const parts = object.parts;
  if (parts === undefined) {
    if (partNumber !== 1) throw new S3Error('InvalidPartNumber', undefined, { extraFields: { PartNumberRequested: partNumberText, ActualPartCount: '1' } });
    return undefined;
  }
  if (partNumber > parts.length) {
    throw new S3Error('InvalidPartNumber', undefined, { extraFields: { PartNumberRequested: partNumberText, ActualPartCount: String(parts.length) } });
  }
  const startByte = parts.slice(0, partNumber - 1).reduce((total, part) => total + part.sizeBytes, 0);
  context.res.setHeader('x-amz-mp-parts-count', parts.length);
  return { startByte, endByteInclusive: startByte + parts[partNumber - 1]!.sizeBytes - 1 };
}

async function prepare(context: RequestContext): Promise<{ object: ObjectRecord; range?: ByteRange; dataKey?: Buffer }> {
  assertKeyLength(context.key!);
  refuseEncryptionHeaderOnRead(context);
  await requireBucket(context);
  const object = await requireObject(context, context.bucket!, context.key!, context.query.get('versionId'));
  const restore = await restorePhaseOf(context, object);
  // HEAD describes an archived version; only its bytes wait for a restore.
  if (context.method !== 'HEAD') refuseArchivedRead(object, restore);
  // SSE-C: the right key is needed even to learn about the object (HEAD, preconditions).
  const dataKey = objectDataKey(context, object, context.method === 'GET');
  checkPreconditions(context, object);
  const partNumberText = context.query.get('partNumber');
  const range = partNumberText !== null ? partRange(context, object, partNumberText) : parseRange(header(context, 'range'), object.sizeBytes);
  setObjectResponseHeaders(context, context.res, object, range === undefined);
  for (const [name, value] of Object.entries(encryptionResponseHeaders(object.headers.encryption))) context.res.setHeader(name, value);
  if (mayReadObjectLockState(context)) setObjectLockResponseHeaders(context.res, object);
  const restoreValue = restoreHeader(restore);
  if (restoreValue !== undefined) context.res.setHeader('x-amz-restore', restoreValue);
  // On HEAD as on GET: clients that read only the headers (sync tools) learn whether tags exist.
  if (object.tags !== undefined) context.res.setHeader('x-amz-tagging-count', object.tags.length);
  // The current version's expiry; a request naming a version id is answered without it (docs/lifecycle.md).
  if (context.query.get('versionId') === null) {
    for (const [name, value] of Object.entries(await expirationHeaders(context, object))) context.res.setHeader(name, value);
  }
  if (range === undefined) {
    context.res.setHeader('Content-Length', object.sizeBytes);
  } else {
    context.res.setHeader('Content-Length', range.endByteInclusive - range.startByte + 1);
    context.res.setHeader('Content-Range', `bytes ${range.startByte}-${range.endByteInclusive}/${object.sizeBytes}`);
  }
  return { object, range, dataKey };
}

export async function headObject(context: RequestContext): Promise<void> {
  const { range } = await prepare(context);
  context.res.statusCode = range === undefined ? 200 : 206;
  context.res.end();
}

export async function getObject(context: RequestContext): Promise<void> {
  const { object, range, dataKey } = await prepare(context);
  const { res } = context;
  // Each chunk is in the kernel before the next is asked for, so storage may read into its buffer again.
  const chunks = readObject(context.layers, object, range, dataKey, { reuseBuffers: true });
  // The first chunk is read (and verified) before the status line goes out, so a damaged record
  // still gets a proper InternalError response.
  const first = await chunks.next();
  res.statusCode = range === undefined ? 200 : 206;
  if (first.done) {
    res.end();
    return;
  }
  const answerBytes = range === undefined ? object.sizeBytes : range.endByteInclusive - range.startByte + 1;
  try {
    if (first.value.length === answerBytes) {
      // The whole answer in one record (every small object): headers and body in one write.
      res.end(first.value);
      return;
    }
    if ((await writeAndFlush(res, first.value)) === 'closed') return;
    for await (const chunk of chunks) {
      if (res.destroyed || (await writeAndFlush(res, chunk)) === 'closed') return;
    }
    res.end();
  } catch (error) {
    // Headers are gone: the only honest signal left is to cut the connection short.
    context.log(`request ${context.requestId}: GET ${context.bucket}/${context.key} failed mid-stream: ${String(error)}`);
    res.destroy();
  } finally {
    await chunks.return(undefined);
  }
}
