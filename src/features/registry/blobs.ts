// Blob reads and deletes: HEAD and GET (GET answers 307 to a presigned S3 URL of the blob's object,
// or streams it with --registry-redirect off — one byte range of it when a Range header asks, 206
// with Content-Range, 416 when the range starts past the end) and DELETE (unlinks the blob from the
// repository; the collector removes its bytes once nothing holds it).
import { S3Error } from '../../frontend/errors.js';
import { parseRange } from '../../frontend/ops/get.js';
import { waitForDrain } from '../../frontend/respond.js';
import type { ByteRange } from '../../storage/index.js';
import { readSystemObject } from './blob-store.js';
import { sendStatus, type RegistryContext } from './context.js';
import { blobUnknown, OciError } from './errors.js';
import { blobKey, checkDigest, REGISTRY_BUCKET } from './names.js';
import { presignGet } from './presign.js';

/** The one range a Range header asks for (undefined: the whole blob, as for a header S3 would ignore). */
function rangeOf(header: string | undefined, sizeBytes: number): ByteRange | undefined {
  try {
    return parseRange(header, sizeBytes);
  } catch (error) {
    if (!(error instanceof S3Error)) throw error;
    throw new OciError(416, 'RANGE_INVALID', 'the requested range is not satisfiable', { size: sizeBytes }, { 'Content-Range': `bytes */${sizeBytes}` });
  }
}

async function streamBlob(context: RegistryContext, digest: string, sizeBytes: number): Promise<void> {
  const { res } = context;
  const range = rangeOf(context.req.headers.range, sizeBytes);
  const chunks = await readSystemObject(context.layers, blobKey(digest), range);
  if (chunks === undefined) throw blobUnknown(digest);
  // The first verified chunk comes before the status line, so a damaged blob is an error answer.
  const first = await chunks.next();
  res.statusCode = range === undefined ? 200 : 206;
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Accept-Ranges', 'bytes');
  if (range !== undefined) res.setHeader('Content-Range', `bytes ${range.startByte}-${range.endByteInclusive}/${sizeBytes}`);
  res.setHeader('Content-Length', range === undefined ? sizeBytes : range.endByteInclusive - range.startByte + 1);
  res.setHeader('Docker-Content-Digest', digest);
  if (first.done !== true && !res.write(first.value)) await waitForDrain(res);
  for await (const chunk of chunks) {
    if (res.destroyed) break;
    if (!res.write(chunk)) await waitForDrain(res);
  }
  res.end();
}

export async function getBlob(context: RegistryContext): Promise<void> {
  const digest = checkDigest(context.target);
  const blob = await context.layers.index.getRegistryBlob(context.repository, digest);
  if (blob === undefined) throw blobUnknown(digest);
  if (context.req.method === 'HEAD') {
    const { res } = context;
    res.statusCode = 200;
    res.setHeader('Docker-Content-Digest', digest);
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', blob.sizeBytes);
    res.end();
    return;
  }
  if (!context.settings.redirect) {
    await streamBlob(context, digest, blob.sizeBytes);
    return;
  }
  const location = presignGet({
    origin: context.origin, host: context.req.headers.host ?? '', bucket: REGISTRY_BUCKET, key: blobKey(digest),
    accessKeyId: context.root.accessKeyId, secretAccessKey: context.root.secretAccessKey, region: context.settings.region,
    expiresSeconds: context.settings.redirectExpirySeconds, nowMs: context.nowMs,
  });
  sendStatus(context.res, 307, { Location: location, 'Docker-Content-Digest': digest });
}

export async function deleteBlob(context: RegistryContext): Promise<void> {
  const digest = checkDigest(context.target);
  if (await context.layers.index.unlinkRegistryBlob(context.repository, digest, context.nowMs) === 'missing') throw blobUnknown(digest);
  sendStatus(context.res, 202);
}
