// A request body as one verified stream: framing (plain or aws-chunked), and every hash the request
// asks for (MD5 for the ETag and Content-MD5, the SigV4 payload SHA-256, one additional checksum)
// computed in a single pass. Nothing is trusted until finish() has checked all of them.
import { createHash, type Hash } from 'node:crypto';
import type { ChecksumAlgorithm, StoredChecksum } from '../index/types.js';
import { decodeAwsChunked } from './auth/aws-chunked.js';
import {
  algorithmForHeader,
  assertChecksumValueShape,
  CHECKSUM_HEADER_BY_ALGORITHM,
  createChecksummer,
  parseChecksumAlgorithm,
  type Checksummer,
} from './checksums.js';
import { MIB } from '../limits.js';
import { header, type RequestContext } from './context.js';
import { S3Error } from './errors.js';

/**
 * Which checksum a body's object or part keeps: the client's algorithm or CRC64NVME when it sends
 * none (S3's default since 2025), or exactly the multipart upload's algorithm.
 */
export type StoredChecksumChoice =
  | { kind: 'client-or-default' }
  | { kind: 'upload'; algorithm: ChecksumAlgorithm; strict: boolean }
  /** The x-amz-checksum-* headers describe something else (CompleteMultipartUpload: the object). */
  | { kind: 'headers-not-for-body' };

/**
 * A body declared at least this long has its MD5 computed by the storage writer's hasher thread
 * (storage/md5-hasher.ts) instead of on the event loop, when its bytes reach storage unchanged: see
 * handMd5ToStorage(). Smaller bodies keep the inline MD5 (no hand-off, no extra round trip).
 * Measured in docs/performance.md, "Session 9: MD5 off the event loop".
 */
export const MD5_OFF_LOOP_BODY_BYTES_MIN = 8 * MIB;

/** S3 stores a CRC64NVME for every object whose writer sent no checksum. */
export const DEFAULT_CHECKSUM_ALGORITHM: ChecksumAlgorithm = 'CRC64NVME';

export interface VerifiedPayload {
  md5Hex: string;
  sizeBytes: number;
  checksum: StoredChecksum;
}

interface RequestedChecksum {
  algorithm: ChecksumAlgorithm;
  /** Undefined when the value arrives in an aws-chunked trailer. */
  headerValueBase64?: string;
}

function parseDeclaredLength(value: string | undefined, headerName: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value)) throw new S3Error('InvalidArgument', `${headerName} is not a valid length.`);
  return Number(value);
}

type HeaderRecord = Record<string, string | string[] | undefined>;

/** A header as one string (repeated headers joined with ", "), from a request's or a form's headers. */
function headerValue(headers: HeaderRecord, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function requestedChecksum(headers: HeaderRecord, trailerNames: string[]): RequestedChecksum | undefined {
  const inHeaders = Object.keys(headers).filter((name) => name.startsWith('x-amz-checksum-') && name !== 'x-amz-checksum-type' && name !== 'x-amz-checksum-mode');
  const inTrailers = trailerNames.filter((name) => name.startsWith('x-amz-checksum-'));
  const named = [...inHeaders, ...inTrailers];
  if (named.length > 1) {
    throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  const sdkAlgorithmHeader = headerValue(headers, 'x-amz-sdk-checksum-algorithm');
  const sdkAlgorithm = sdkAlgorithmHeader === undefined ? undefined : parseChecksumAlgorithm(sdkAlgorithmHeader);
  if (sdkAlgorithmHeader !== undefined && sdkAlgorithm === undefined) {
    throw new S3Error('InvalidRequest', 'Value for x-amz-sdk-checksum-algorithm header is invalid.');
  }
  if (named.length === 0) {
    if (sdkAlgorithm !== undefined) {
      throw new S3Error('InvalidRequest', 'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.');
    }
    return undefined;
  }
  const algorithm = algorithmForHeader(named[0]!);
  if (algorithm === undefined) throw new S3Error('InvalidRequest', `The header ${named[0]} is not a supported checksum.`);
  if (sdkAlgorithm !== undefined && sdkAlgorithm !== algorithm) {
    throw new S3Error('InvalidRequest', `Value for x-amz-sdk-checksum-algorithm header is invalid.`);
  }
  const headerValueBase64 = inHeaders.length === 1 ? headerValue(headers, inHeaders[0]!) : undefined;
  if (headerValueBase64 !== undefined) assertChecksumValueShape(algorithm, headerValueBase64);
  return { algorithm, headerValueBase64 };
}

function parseContentMd5(value: string | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  const digest = Buffer.from(value, 'base64');
  if (digest.byteLength !== 16 || digest.toString('base64') !== value.trim()) throw new S3Error('InvalidDigest');
  return digest;
}

/**
 * A body that is not the request itself: the file part of a browser form upload (POST Object). Its
 * length is known only at its end; the form's fields stand in for PutObject's headers.
 */
export interface FormFileBody {
  data: AsyncIterable<Buffer>;
  /** content-md5, x-amz-checksum-<algorithm> and x-amz-sdk-checksum-algorithm, by lower-case name. */
  headers: Record<string, string>;
}

interface Framing {
  source: AsyncIterable<Buffer>;
  /** Undefined when the length is known only at the end (a form's file part). */
  declaredSizeBytes: number | undefined;
  trailers: Map<string, string> | undefined;
  trailerNames: string[];
  headers: HeaderRecord;
}

function requestFraming(context: RequestContext): Framing {
  const payloadCheck = context.auth.payload;
  const headers = context.req.headers;
  if (payloadCheck.kind === 'aws-chunked') {
    const decodedLength = parseDeclaredLength(header(context, 'x-amz-decoded-content-length'), 'x-amz-decoded-content-length');
    if (decodedLength === undefined) throw new S3Error('MissingContentLength');
    const trailerNames = (header(context, 'x-amz-trailer') ?? '').split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
    const decoded = decodeAwsChunked(context.req, {
      chunkSignatures: payloadCheck.chunkSignatures,
      trailer: payloadCheck.trailer,
      signing: payloadCheck.signing,
      declaredTrailerNames: trailerNames,
      decodedContentLengthBytes: decodedLength,
    });
    return { source: decoded.data, declaredSizeBytes: decodedLength, trailers: decoded.trailers, trailerNames, headers };
  }
  const contentLength = parseDeclaredLength(header(context, 'content-length'), 'Content-Length');
  if (contentLength === undefined) {
    // Transfer-Encoding: chunked with no Content-Length (some HTTP clients stream so): the length is
    // known only at the end, and the size limit is checked as the bytes arrive, as for a form's file.
    // node's parser has already refused a request with both, or with a coding other than chunked
    // last; a coding before chunked (gzip, chunked) would store encoded bytes, so it is refused.
    const transferEncoding = header(context, 'transfer-encoding');
    if (transferEncoding !== undefined) {
      if (transferEncoding.trim().toLowerCase() !== 'chunked') {
        throw new S3Error('NotImplemented', 'Only Transfer-Encoding: chunked is supported.', { extraFields: { Header: 'Transfer-Encoding' } });
      }
      return { source: context.req, declaredSizeBytes: undefined, trailers: undefined, trailerNames: [], headers };
    }
    throw new S3Error('MissingContentLength');
  }
  return { source: context.req, declaredSizeBytes: contentLength, trailers: undefined, trailerNames: [], headers };
}

export class IncomingPayload {
  readonly declaredSizeBytes: number | undefined;
  private readonly sizeBytesMax: number;
  private readonly source: AsyncIterable<Buffer>;
  private readonly trailers: Map<string, string> | undefined;
  /** Undefined once handed to storage (handMd5ToStorage): finish() then gets the digest. */
  private md5: Hash | undefined = createHash('md5');
  private readonly payloadSha256: Hash | undefined;
  private readonly expectedSha256Hex: string | undefined;
  private readonly contentMd5: Buffer | undefined;
  private readonly checksumRequest: RequestedChecksum | undefined;
  private readonly checksummer: Checksummer | undefined;
  /** Computes the stored algorithm when it differs from the one the client sent. */
  private readonly storedChecksummer: { algorithm: ChecksumAlgorithm; checksummer: Checksummer } | undefined;
  private receivedSizeBytes = 0;

  /** The request's body (plain or aws-chunked), or the file part of a form upload. */
  constructor(body: RequestContext | FormFileBody, sizeBytesMax: number, stored: StoredChecksumChoice = { kind: 'client-or-default' }) {
    const framing: Framing = 'data' in body
      ? { source: body.data, declaredSizeBytes: undefined, trailers: undefined, trailerNames: [], headers: body.headers }
      : requestFraming(body);
    this.sizeBytesMax = sizeBytesMax;
    this.declaredSizeBytes = framing.declaredSizeBytes;
    if (this.declaredSizeBytes !== undefined) this.assertSize(this.declaredSizeBytes);
    this.source = framing.source;
    this.trailers = framing.trailers;
    this.contentMd5 = parseContentMd5(headerValue(framing.headers, 'content-md5'));
    this.checksumRequest = stored.kind === 'headers-not-for-body' ? undefined : requestedChecksum(framing.headers, framing.trailerNames);
    this.checksummer = this.checksumRequest === undefined ? undefined : createChecksummer(this.checksumRequest.algorithm);
    const storedAlgorithm = stored.kind === 'upload' ? stored.algorithm : this.checksumRequest?.algorithm ?? DEFAULT_CHECKSUM_ALGORITHM;
    if (stored.kind === 'upload' && stored.strict && this.checksumRequest !== undefined && this.checksumRequest.algorithm !== stored.algorithm) {
      throw new S3Error('InvalidRequest', `Checksum Type mismatch occurred, expected checksum Type: ${stored.algorithm.toLowerCase()}, actual checksum Type: ${this.checksumRequest.algorithm.toLowerCase()}`);
    }
    this.storedChecksummer = storedAlgorithm === this.checksumRequest?.algorithm
      ? undefined
      : { algorithm: storedAlgorithm, checksummer: createChecksummer(storedAlgorithm) };
    const payloadCheck = 'data' in body ? undefined : body.auth.payload;
    this.expectedSha256Hex = payloadCheck?.kind === 'sha256' ? payloadCheck.expectedHex : undefined;
    this.payloadSha256 = this.expectedSha256Hex === undefined ? undefined : createHash('sha256');
  }

  private assertSize(sizeBytes: number): void {
    if (sizeBytes > this.sizeBytesMax) {
      throw new S3Error('EntityTooLarge', undefined, {
        extraFields: { ProposedSize: String(sizeBytes), MaxSizeAllowed: String(this.sizeBytesMax) },
      });
    }
  }

  /**
   * Leaves the body's MD5 to the storage writer (WriterOptions.hashMd5) when the body is declared at
   * least MD5_OFF_LOOP_BODY_BYTES_MIN long and `reachesStorageUnchanged` (not encrypted): the writer
   * hashes exactly the bytes chunks() yields. Call before chunks(); returns whether it did, and then
   * finish() must get the writer's digest.
   */
  handMd5ToStorage(reachesStorageUnchanged: boolean): boolean {
    if (!reachesStorageUnchanged || this.declaredSizeBytes === undefined || this.declaredSizeBytes < MD5_OFF_LOOP_BODY_BYTES_MIN) return false;
    if (this.receivedSizeBytes !== 0) throw new Error('the MD5 is handed to storage before the body is read');
    this.md5 = undefined;
    return true;
  }

  /** The body's bytes, hashed as they pass. Consume once. */
  async *chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of this.source) {
        this.receivedSizeBytes += chunk.byteLength;
        if (this.declaredSizeBytes === undefined) this.assertSize(this.receivedSizeBytes);
        else if (this.receivedSizeBytes > this.declaredSizeBytes) throw new S3Error('IncompleteBody', 'The request body is longer than its declared length.');
        this.md5?.update(chunk);
        this.payloadSha256?.update(chunk);
        this.checksummer?.update(chunk);
        this.storedChecksummer?.checksummer.update(chunk);
        yield chunk;
      }
    } catch (error) {
      if (error instanceof S3Error) throw error;
      // The client went away mid-body ("aborted"): the body is incomplete.
      throw new S3Error('IncompleteBody');
    }
  }

  /**
   * Checks length and every digest; throws the S3 error AWS gives for the first mismatch.
   * `storageMd5`: the writer's MD5 of the body, after handMd5ToStorage().
   */
  finish(storageMd5?: Buffer): VerifiedPayload {
    if (this.declaredSizeBytes !== undefined && this.receivedSizeBytes !== this.declaredSizeBytes) throw new S3Error('IncompleteBody');
    if (this.payloadSha256 !== undefined && this.payloadSha256.digest('hex') !== this.expectedSha256Hex) {
      throw new S3Error('XAmzContentSHA256Mismatch', undefined, {
        extraFields: { ClientComputedContentSHA256: this.expectedSha256Hex ?? '' },
      });
    }
    if ((this.md5 === undefined) !== (storageMd5 !== undefined)) throw new Error('the MD5 comes from storage exactly when it was handed there');
    const md5 = this.md5?.digest() ?? storageMd5!;
    if (this.contentMd5 !== undefined && !md5.equals(this.contentMd5)) throw new S3Error('BadDigest');
    return { md5Hex: md5.toString('hex'), sizeBytes: this.receivedSizeBytes, checksum: this.verifyChecksum() };
  }

  /** Verifies the client's checksum, if any; returns the one to store. */
  private verifyChecksum(): StoredChecksum {
    const verified = this.verifyClientChecksum();
    if (this.storedChecksummer === undefined) return verified!;
    const { algorithm, checksummer } = this.storedChecksummer;
    return { algorithm, valueBase64: checksummer.digest().toString('base64'), type: 'FULL_OBJECT' };
  }

  private verifyClientChecksum(): StoredChecksum | undefined {
    if (this.checksumRequest === undefined || this.checksummer === undefined) return undefined;
    const { algorithm } = this.checksumRequest;
    const headerName = CHECKSUM_HEADER_BY_ALGORITHM[algorithm];
    const expected = this.checksumRequest.headerValueBase64 ?? this.trailers?.get(headerName);
    if (expected === undefined) throw new S3Error('InvalidRequest', `The trailer ${headerName} was declared but not sent.`);
    assertChecksumValueShape(algorithm, expected);
    const computed = this.checksummer.digest().toString('base64');
    if (computed !== expected) throw new S3Error('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`);
    return { algorithm, valueBase64: computed, type: 'FULL_OBJECT' };
  }
}

/**
 * Whether the request carries an integrity check of its body that S3 demands on some operations
 * (DeleteObjects, Object Lock writes): Content-MD5, or an x-amz-checksum-* value in a header or
 * announced as an aws-chunked trailer. IncomingPayload verifies whichever it is.
 */
export function hasIntegrityCheck(context: RequestContext): boolean {
  if (header(context, 'content-md5') !== undefined) return true;
  if (Object.keys(context.req.headers).some((name) => algorithmForHeader(name) !== undefined)) return true;
  const trailers = (header(context, 'x-amz-trailer') ?? '').split(',').map((name) => name.trim().toLowerCase());
  return trailers.some((name) => algorithmForHeader(name) !== undefined);
}

/** Reads a small body (XML configuration, DeleteObjects) whole, verified, up to `sizeBytesMax`. */
export async function readSmallBody(
  context: RequestContext,
  sizeBytesMax: number,
  stored: StoredChecksumChoice = { kind: 'client-or-default' },
): Promise<{ body: Buffer; verified: VerifiedPayload }> {
  const payload = new IncomingPayload(context, sizeBytesMax, stored);
  const pieces: Buffer[] = [];
  for await (const chunk of payload.chunks()) pieces.push(chunk);
  const verified = payload.finish();
  return { body: Buffer.concat(pieces), verified };
}
