// The fuzz suite's request generators. Each turns a seeded random source into one request against
// the live server, described well enough to replay, plus what it means for the model: a write
// that, when answered 200, must read back byte-exact at the end, or one that must never succeed.
import { crc32 } from '@node-rs/crc32';
import { createHash } from 'node:crypto';
import { rawRequest, sendRaw, sha256Hex, signer, type RawResponse } from '../clients.js';
import { sendChunked } from '../chunked.js';
import type { RunningServer } from '../server.js';
import type { SeededRandom } from '../seeded-random.js';
import { BODY_OPERATIONS, completeBody, validCompleteBody } from './bodies.js';
import { encodeKeyPath, hostileHeaderValue, hostileKey, hostileQueryValue, MEANINGFUL_HEADERS, MEANINGFUL_QUERY, mutateText } from './values.js';

export const MODEL_BUCKET = 'fuzz-model';
export const OPS_BUCKET = 'fuzz-ops';
export const CORS_BUCKET = 'fuzz-cors';
export const LOCK_BUCKET = 'fuzz-lock';
export const TARGET_KEY = 'target';
export const RANGE_KEY = 'range-object';

export interface UploadSlot {
  key: string;
  uploadId: string;
  etags: string[];
  parts: Buffer[];
}

export interface FuzzContext {
  server: RunningServer;
  rangeData: Buffer;
  uploads: UploadSlot[];
}

export interface FuzzOutcome {
  response: RawResponse;
  /** Answered 200: this key must read back as these bytes at the end. */
  acknowledged?: { key: string; data: Buffer };
  /** This write must never succeed (a corrupted body): its key must be absent at the end. */
  mustFail?: { key: string };
  /** A check of the answer's content beyond the general oracle; returns a problem or null. */
  contentProblem?: string | null;
}

export interface FuzzRequest {
  category: string;
  method: string;
  describe: string;
  run: (context: FuzzContext) => Promise<FuzzOutcome>;
}

/** Headers a PutObject to the model bucket may carry without changing what it stores. */
const MODEL_SAFE_HEADERS = MEANINGFUL_HEADERS.filter((name) => !['x-amz-copy-source', 'x-amz-copy-source-range', 'content-encoding', 'x-amz-write-offset-bytes', 'range'].includes(name));

function randomHeaders(random: SeededRandom, names: readonly string[], count: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let index = 0; index < count; index++) headers[random.pick(names)] = hostileHeaderValue(random);
  return headers;
}

function objectPath(bucket: string, key: string): string {
  return `/${bucket}/${encodeKeyPath(key)}`;
}

function putModelObject(index: number, random: SeededRandom): FuzzRequest {
  const key = hostileKey(random, `m${index}/`);
  const data = random.bytes(random.chance(0.1) ? random.int(70_000, 300_000) : random.int(0, 4000));
  const headers = random.chance(0.6) ? randomHeaders(random, MODEL_SAFE_HEADERS, random.int(1, 4)) : {};
  const auth = random.pick(['signed', 'unsigned'] as const);
  return {
    category: 'put-hostile-key', method: 'PUT', describe: `PUT ${JSON.stringify(key)} (${data.length} bytes, ${auth}) headers ${JSON.stringify(headers)}`,
    run: async ({ server }) => {
      const response = await rawRequest(server, { method: 'PUT', path: objectPath(MODEL_BUCKET, key), headers, body: data, auth });
      return { response, acknowledged: { key, data } };
    },
  };
}

function rangeValue(random: SeededRandom, size: number): { header: string; expected?: [number, number] } {
  const a = random.int(0, size + 10);
  const b = random.int(0, size + 10);
  switch (random.int(0, 5)) {
    case 0: return { header: `bytes=${Math.min(a, b)}-${Math.max(a, b)}`, expected: Math.min(a, b) < size ? [Math.min(a, b), Math.min(Math.max(a, b), size - 1)] : undefined };
    case 1: return { header: `bytes=${a}-`, expected: a < size ? [a, size - 1] : undefined };
    case 2: return { header: `bytes=-${b}`, expected: b > 0 ? [Math.max(0, size - b), size - 1] : undefined };
    case 3: return { header: random.pick(['bytes=0-1,3-4', 'bytes=', 'bytes=-0', 'bytes=1-0', 'items=0-1', 'bytes=0--1', 'bytes= 0-1', `bytes=${'9'.repeat(30)}-`, 'bytes=0x1-2', 'bytes=1.5-2']) };
    default: return { header: hostileHeaderValue(random) };
  }
}

/** The model bucket's object for Range requests (written at setup). */
export const RANGE_SIZE_BYTES = 10_000;

function rangeRequest(random: SeededRandom): FuzzRequest {
  const method = random.chance(0.8) ? 'GET' : 'HEAD';
  const part = random.chance(0.1) ? { partNumber: random.pick(['1', '2', '0', 'x']) } : undefined;
  const { header, expected } = rangeValue(random, RANGE_SIZE_BYTES);
  return {
    category: 'range', method, describe: `${method} Range ${JSON.stringify(header)}${part ? ` partNumber=${part.partNumber}` : ''}`,
    run: async ({ server, rangeData }) => {
      const response = await rawRequest(server, { method, path: objectPath(MODEL_BUCKET, RANGE_KEY), headers: { range: header }, query: part });
      let contentProblem: string | null = null;
      if (method === 'GET' && part === undefined) {
        if (response.status === 206 && expected !== undefined && !response.body.equals(rangeData.subarray(expected[0], expected[1] + 1))) contentProblem = `206 with the wrong bytes (expected ${expected[0]}-${expected[1]})`;
        if (response.status === 200 && !response.body.equals(rangeData)) contentProblem = '200 without the whole object';
        if (response.status === 416 && expected !== undefined) contentProblem = `416 for a satisfiable range (${expected[0]}-${expected[1]})`;
      }
      return { response, contentProblem };
    },
  };
}

function bodyOperation(index: number, random: SeededRandom): FuzzRequest {
  const operation = random.pick(BODY_OPERATIONS);
  const bucket = operation.name === 'PutBucketCors' ? CORS_BUCKET : /Lock|Retention|LegalHold/.test(operation.name) ? LOCK_BUCKET : operation.name === 'CreateBucket' ? `fuzz-new-${index}` : OPS_BUCKET;
  const key = operation.target === 'object' ? (random.chance(0.8) ? TARGET_KEY : hostileKey(random)) : undefined;
  let body = operation.body(random);
  // Half valid bodies with hostile values (what found issue #13's defects 1 and 2), half damaged ones.
  const mutated = random.chance(0.5);
  if (mutated) body = mutateText(body, random);
  const headers: Record<string, string> = { 'content-type': operation.contentType };
  if (operation.needsMd5 === true || random.chance(0.3)) headers['content-md5'] = createHash('md5').update(body).digest('base64');
  if (random.chance(0.2)) Object.assign(headers, randomHeaders(random, MEANINGFUL_HEADERS, 1));
  return {
    category: `body:${operation.name}`, method: operation.method, describe: `${operation.name} on ${bucket}${key === undefined ? '' : `/${JSON.stringify(key)}`} body ${JSON.stringify(body.slice(0, 600))}`,
    run: async ({ server }) => ({
      response: await rawRequest(server, { method: operation.method, path: key === undefined ? `/${bucket}` : objectPath(bucket, key), query: operation.query, headers, body }),
    }),
  };
}

function completeUpload(random: SeededRandom): FuzzRequest {
  const slotIndex = random.int(0, 1_000_000);
  const mutate = random.chance(0.6);
  const bodyRandom = random.fork();
  return {
    category: 'body:CompleteMultipartUpload', method: 'POST', describe: `CompleteMultipartUpload slot ${slotIndex}${mutate ? ' (mutated)' : ''}`,
    run: async ({ server, uploads }) => {
      const slot = uploads[slotIndex % uploads.length]!;
      const body = mutate ? mutateText(completeBody(slot.etags, bodyRandom), bodyRandom) : validCompleteBody(slot.etags);
      const response = await rawRequest(server, { method: 'POST', path: objectPath(MODEL_BUCKET, slot.key), query: { uploadId: slot.uploadId }, headers: { 'content-type': 'application/xml' }, body });
      return { response, acknowledged: mutate ? undefined : { key: slot.key, data: Buffer.concat(slot.parts) } };
    },
  };
}

function queryRequest(random: SeededRandom): FuzzRequest {
  const onOps = random.chance(0.5);
  const method = onOps ? random.pick(['GET', 'HEAD', 'DELETE', 'PUT', 'POST']) : random.pick(['GET', 'HEAD']);
  const bucket = onOps ? OPS_BUCKET : MODEL_BUCKET;
  const path = random.chance(0.5) ? `/${bucket}` : objectPath(bucket, random.chance(0.5) ? TARGET_KEY : hostileKey(random));
  const query: Record<string, string> = {};
  for (let count = random.int(1, 4); count > 0; count--) query[random.chance(0.85) ? random.pick(MEANINGFUL_QUERY) : hostileKey(random).slice(0, 30)] = hostileQueryValue(random);
  const junk = random.chance(0.15) ? random.pick(['%', '%zz', '%C3', '%00', '&&', '=&=', 'a=%ff%fe', ';x']) : '';
  return {
    category: 'query', method, describe: `${method} ${path} query ${JSON.stringify(query)} junk ${JSON.stringify(junk)}`,
    run: async ({ server }) => {
      if (junk === '') return { response: await rawRequest(server, { method, path, query }) };
      // Not percent-encoded by anyone: sent as is, signed as the client would sign the decoded form.
      const url = new URL(server.endpoint);
      const headers: Record<string, string> = { host: url.host, 'x-amz-content-sha256': sha256Hex('') };
      const signed = await signer.sign({ method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, query: {}, headers });
      return { response: await sendRaw(server, method, `${path}?${junk}`, { ...(signed.headers as Record<string, string>), 'content-length': '0' }, Buffer.alloc(0)) };
    },
  };
}

function headerRequest(random: SeededRandom): FuzzRequest {
  const onOps = random.chance(0.6);
  const method = onOps ? random.pick(['GET', 'HEAD', 'PUT', 'DELETE']) : random.pick(['GET', 'HEAD']);
  // The CORS bucket too: its fuzzed rules meet requests with an Origin (issue #13's defect 2 made those 500).
  const bucket = onOps ? (random.chance(0.25) ? CORS_BUCKET : OPS_BUCKET) : MODEL_BUCKET;
  const path = onOps && random.chance(0.5) ? objectPath(bucket, hostileKey(random)) : objectPath(bucket, onOps ? TARGET_KEY : RANGE_KEY);
  const headers = randomHeaders(random, MEANINGFUL_HEADERS, random.int(1, 6));
  if (random.chance(0.2)) headers['origin'] = random.pick(['https://a.example', 'null', hostileHeaderValue(random)]);
  if (headers['x-amz-copy-source'] !== undefined && random.chance(0.5)) headers['x-amz-copy-source'] = `/${random.pick([MODEL_BUCKET, OPS_BUCKET, CORS_BUCKET])}/${encodeKeyPath(random.pick([TARGET_KEY, RANGE_KEY, hostileKey(random)]))}`;
  const body = method === 'PUT' ? random.bytes(random.int(0, 2000)) : undefined;
  return {
    category: 'headers', method, describe: `${method} ${path} headers ${JSON.stringify(headers)}`,
    run: async ({ server }) => ({ response: await rawRequest(server, { method, path, headers, body }) }),
  };
}

function chunkedRequest(index: number, random: SeededRandom): FuzzRequest {
  const key = hostileKey(random, `c${index}/`);
  const data = random.bytes(random.int(0, 200_000));
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length;) {
    const size = random.int(1, 70_000);
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  const mode = random.pick(['signed', 'unsigned'] as const);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(data));
  const trailer: [string, string] | undefined = mode === 'unsigned' || random.chance(0.4) ? ['x-amz-checksum-crc32', checksum.toString('base64')] : undefined;
  const corruption = random.chance(0.4) ? random.int(0, 4) : -1;
  const spec = {
    path: objectPath(MODEL_BUCKET, key), chunks, mode, trailer,
    corruptChunkSignature: corruption === 0 && mode === 'signed' ? random.int(0, chunks.length) : undefined,
    corruptTrailerSignature: corruption === 1 && mode === 'signed' && trailer !== undefined ? true : undefined,
    truncateToBytes: corruption === 2 ? random.int(0, data.length) : undefined,
    declaredDecodedLengthBytes: corruption === 3 ? data.length + random.pick([-1, 1, 1000]) : undefined,
  };
  if (corruption === 4 && trailer !== undefined) trailer[1] = 'AAAAAA==';
  const corrupted = spec.corruptChunkSignature !== undefined || spec.corruptTrailerSignature === true || spec.truncateToBytes !== undefined
    || spec.declaredDecodedLengthBytes !== undefined || (corruption === 4 && trailer !== undefined);
  return {
    category: 'aws-chunked', method: 'PUT', describe: `aws-chunked PUT ${JSON.stringify(key)} ${data.length} bytes in ${chunks.length} chunks, ${mode}, trailer ${trailer?.[0] ?? 'none'}, corruption ${corruption}`,
    run: async ({ server }) => {
      const response = await sendChunked(server, spec);
      return corrupted ? { response, mustFail: { key } } : { response, acknowledged: { key, data } };
    },
  };
}


export function generateRequest(index: number, random: SeededRandom, sigv4: (random: SeededRandom) => FuzzRequest): FuzzRequest {
  const roll = random.int(0, 99);
  if (roll < 14) return putModelObject(index, random);
  if (roll < 24) return rangeRequest(random);
  if (roll < 50) return bodyOperation(index, random);
  if (roll < 54) return completeUpload(random);
  if (roll < 64) return queryRequest(random);
  if (roll < 76) return headerRequest(random);
  if (roll < 86) return chunkedRequest(index, random);
  return sigv4(random);
}
