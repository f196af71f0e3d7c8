// Streaming decoder for `Content-Encoding: aws-chunked` request bodies (S3 API reference: "Signature
// Calculations for the Authorization Header: Transferring Payload in Multiple Chunks" and "... Including
// Trailing Headers"). Frames: `<hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n`, a final zero-size chunk,
// optional `name:value\r\n` trailer lines, then `\r\n`.
//
// Data is yielded as soon as it arrives (subarrays of the input, never copied), so memory stays bounded
// whatever size a chunk claims. A chunk's signature is checked when its last byte has been read, which is
// after its earlier bytes were yielded: consumers must treat the stream as provisional and commit only
// once `data` has been consumed without throwing.

import { createHash, createHmac, timingSafeEqual, type Hash } from 'node:crypto';
import {
  AWS_CHUNK_SIZE_BYTES_MAX, AWS_CHUNK_SIZE_LINE_BYTES_MAX, AWS_CHUNK_TRAILER_LINES_MAX, AWS_CHUNK_TRAILER_SIZE_BYTES_MAX,
} from '../../limits.js';
import { S3Error } from '../errors.js';
import type { SigningContext } from './sigv4.js';

export interface AwsChunkedOptions {
  /** STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]: every chunk's signature is verified. */
  chunkSignatures: boolean;
  trailer: 'none' | 'unsigned' | 'signed';
  /** Required when chunkSignatures or trailer === 'signed'. */
  signing?: SigningContext;
  /** From the x-amz-trailer header (lowercase); may be empty. */
  declaredTrailerNames: string[];
  /** x-amz-decoded-content-length. */
  decodedContentLengthBytes: number;
}
export interface AwsChunkedBody { data: AsyncIterable<Buffer>; /** filled once `data` has been fully consumed */ trailers: Map<string, string> }

const CR = 0x0d;
const LF = 0x0a;
const CHUNK_SIGNATURE_EXTENSION = 'chunk-signature=';
const TRAILER_SIGNATURE_NAME = 'x-amz-trailer-signature';
const EMPTY_SHA256_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SIGNATURE_PATTERN = /^[0-9a-fA-F]{64}$/;
const CHUNK_SIZE_HEX_PATTERN = /^[0-9a-fA-F]{1,16}$/;

export function decodeAwsChunked(source: AsyncIterable<Buffer>, options: AwsChunkedOptions): AwsChunkedBody {
  if ((options.chunkSignatures || options.trailer === 'signed') && options.signing === undefined) {
    throw new TypeError('decodeAwsChunked: signing context required for signed chunks or trailers');
  }
  if (!Number.isSafeInteger(options.decodedContentLengthBytes) || options.decodedContentLengthBytes < 0) {
    throw new S3Error('InvalidArgument', 'x-amz-decoded-content-length must be a non-negative integer.', {
      extraFields: { ArgumentName: 'x-amz-decoded-content-length' },
    });
  }
  const trailers = new Map<string, string>();
  const decoder = new AwsChunkedDecoder(options, trailers);
  async function* decode(): AsyncGenerator<Buffer> {
    for await (const input of source) {
      for (const slice of decoder.feed(input)) yield slice;
    }
    decoder.finish();
  }
  return { data: decode(), trailers };
}

type Phase = 'size-line' | 'data' | 'data-crlf' | 'trailer' | 'done';

class AwsChunkedDecoder {
  private phase: Phase = 'size-line';
  private pendingLine: Buffer[] = [];
  private pendingLineBytes = 0;
  private chunkRemainingBytes = 0;
  private chunkSignature: string | undefined;
  private chunkHash: Hash | undefined;
  private previousSignature: string;
  private crlfBytesSeen = 0;
  private decodedBytes = 0;
  private trailerBytes = 0;
  private trailerLines = 0;
  private trailerSignature: string | undefined;

  constructor(private readonly options: AwsChunkedOptions, private readonly trailers: Map<string, string>) {
    this.previousSignature = options.signing?.seedSignature ?? '';
  }

  /** Consumes one input buffer; returns the decoded data it contained (subarrays of `input`). */
  feed(input: Buffer): Buffer[] {
    const decoded: Buffer[] = [];
    let position = 0;
    while (position < input.length) {
      switch (this.phase) {
        case 'size-line': position = this.readSizeLine(input, position); break;
        case 'data': position = this.readData(input, position, decoded); break;
        case 'data-crlf': position = this.readDataCrlf(input, position); break;
        case 'trailer': position = this.readTrailerLine(input, position); break;
        case 'done': throw malformed('unexpected data after the end of the aws-chunked body');
      }
    }
    return decoded;
  }

  /** Called at end of input. The final blank line is optional: the AWS SDK for JavaScript v3 ends an
   * un-checksummed body right after `0\r\n`, so end of input between trailer lines counts as the end. */
  finish(): void {
    if (this.phase === 'trailer' && this.pendingLineBytes === 0) this.endTrailers();
    if (this.phase !== 'done') {
      throw new S3Error('IncompleteBody', 'The aws-chunked request body ended before its final chunk and trailers were complete.');
    }
  }

  private readSizeLine(input: Buffer, position: number): number {
    const { line, next } = this.takeLine(input, position, AWS_CHUNK_SIZE_LINE_BYTES_MAX, 'chunk size line');
    if (line !== undefined) this.startChunk(line.toString('latin1'));
    return next;
  }

  private startChunk(line: string): void {
    const [sizeHex = '', ...extensions] = line.split(';');
    if (!CHUNK_SIZE_HEX_PATTERN.test(sizeHex)) throw malformed(`invalid chunk size line "${line.slice(0, 32)}"`);
    const sizeBytes = parseInt(sizeHex, 16);
    if (sizeBytes > AWS_CHUNK_SIZE_BYTES_MAX) throw malformed(`chunk size ${sizeBytes} exceeds the limit of ${AWS_CHUNK_SIZE_BYTES_MAX} bytes`);
    if (this.decodedBytes + sizeBytes > this.options.decodedContentLengthBytes) throw lengthMismatch(this.options.decodedContentLengthBytes);
    this.chunkSignature = undefined;
    for (const extension of extensions) {
      if (!extension.startsWith(CHUNK_SIGNATURE_EXTENSION)) continue;
      const signature = extension.slice(CHUNK_SIGNATURE_EXTENSION.length);
      if (!SIGNATURE_PATTERN.test(signature) || this.chunkSignature !== undefined) throw malformed('invalid chunk-signature');
      this.chunkSignature = signature;
    }
    if (this.options.chunkSignatures && this.chunkSignature === undefined) {
      throw new S3Error('SignatureDoesNotMatch', 'A chunk of a signed aws-chunked body has no chunk-signature.');
    }
    if (sizeBytes === 0) {
      if (this.decodedBytes !== this.options.decodedContentLengthBytes) throw lengthMismatch(this.options.decodedContentLengthBytes);
      this.verifyChunk(EMPTY_SHA256_HEX);
      this.phase = 'trailer';
      return;
    }
    this.chunkRemainingBytes = sizeBytes;
    this.chunkHash = this.options.chunkSignatures ? createHash('sha256') : undefined;
    this.phase = 'data';
  }

  private readData(input: Buffer, position: number, decoded: Buffer[]): number {
    const end = Math.min(input.length, position + this.chunkRemainingBytes);
    const slice = input.subarray(position, end);
    this.chunkHash?.update(slice);
    decoded.push(slice);
    this.chunkRemainingBytes -= slice.length;
    this.decodedBytes += slice.length;
    if (this.chunkRemainingBytes === 0) {
      if (this.chunkHash !== undefined) this.verifyChunk(this.chunkHash.digest('hex'));
      this.chunkHash = undefined;
      this.crlfBytesSeen = 0;
      this.phase = 'data-crlf';
    }
    return end;
  }

  private readDataCrlf(input: Buffer, position: number): number {
    let next = position;
    while (next < input.length && this.crlfBytesSeen < 2) {
      const expected = this.crlfBytesSeen === 0 ? CR : LF;
      if (input[next] !== expected) throw malformed('chunk data is not followed by CRLF (chunk size does not match its data)');
      this.crlfBytesSeen++;
      next++;
    }
    if (this.crlfBytesSeen === 2) this.phase = 'size-line';
    return next;
  }

  private verifyChunk(dataSha256Hex: string): void {
    if (!this.options.chunkSignatures) return;
    const signing = this.options.signing as SigningContext;
    if (!signing.signaturesChecked) return;
    const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', signing.amzDate, signing.scope, this.previousSignature, EMPTY_SHA256_HEX, dataSha256Hex].join('\n');
    const expected = createHmac('sha256', signing.signingKey).update(stringToSign, 'utf8').digest('hex');
    if (!hexEquals(expected, this.chunkSignature as string)) {
      throw new S3Error('SignatureDoesNotMatch', 'The chunk signature we calculated does not match the chunk-signature you provided.');
    }
    this.previousSignature = expected;
  }

  private readTrailerLine(input: Buffer, position: number): number {
    const budgetBytes = AWS_CHUNK_TRAILER_SIZE_BYTES_MAX - this.trailerBytes;
    const { line, next } = this.takeLine(input, position, budgetBytes, 'trailer section');
    if (line === undefined) return next;
    this.trailerBytes += line.length + 2;
    if (line.length === 0) {
      this.endTrailers();
      return next;
    }
    if (++this.trailerLines > AWS_CHUNK_TRAILER_LINES_MAX) throw malformed(`more than ${AWS_CHUNK_TRAILER_LINES_MAX} trailer lines`);
    const text = line.toString('latin1');
    const colon = text.indexOf(':');
    const name = text.slice(0, Math.max(colon, 0)).trim().toLowerCase();
    if (name === '') throw malformed('trailer line is not "name:value"');
    const value = text.slice(colon + 1).trim();
    if (name === TRAILER_SIGNATURE_NAME && this.options.trailer === 'signed') {
      if (this.trailerSignature !== undefined || !SIGNATURE_PATTERN.test(value)) throw malformed('invalid x-amz-trailer-signature');
      this.trailerSignature = value;
    } else {
      if (!this.options.declaredTrailerNames.includes(name)) throw malformed(`trailer "${name}" was not declared in x-amz-trailer`);
      if (this.trailers.has(name)) throw malformed(`trailer "${name}" was sent more than once`);
      this.trailers.set(name, value);
    }
    return next;
  }

  private endTrailers(): void {
    if (this.options.trailer !== 'none') {
      const missing = this.options.declaredTrailerNames.filter((name) => !this.trailers.has(name));
      if (missing.length > 0) throw new S3Error('IncompleteBody', `The trailer ${missing.join(', ')} declared in x-amz-trailer was not sent.`);
    }
    if (this.options.trailer === 'signed') this.verifyTrailerSignature();
    this.phase = 'done';
  }

  /** String to sign: AWS4-HMAC-SHA256-TRAILER, date, scope, previous (final chunk's) signature, and the
   * SHA-256 of the trailers as sorted `name:value\n` lines (LF, not the CRLF used on the wire). */
  private verifyTrailerSignature(): void {
    if (this.trailerSignature === undefined) {
      throw new S3Error('SignatureDoesNotMatch', 'The signed aws-chunked trailer has no x-amz-trailer-signature.');
    }
    const signing = this.options.signing as SigningContext;
    if (!signing.signaturesChecked) return;
    const names = [...this.trailers.keys()].sort();
    const canonicalTrailers = names.map((name) => `${name}:${this.trailers.get(name)}\n`).join('');
    const trailersSha256Hex = createHash('sha256').update(canonicalTrailers, 'latin1').digest('hex');
    const stringToSign = ['AWS4-HMAC-SHA256-TRAILER', signing.amzDate, signing.scope, this.previousSignature, trailersSha256Hex].join('\n');
    const expected = createHmac('sha256', signing.signingKey).update(stringToSign, 'utf8').digest('hex');
    if (!hexEquals(expected, this.trailerSignature)) {
      throw new S3Error('SignatureDoesNotMatch', 'The trailer signature we calculated does not match the x-amz-trailer-signature you provided.');
    }
  }

  /** Reads up to and including CRLF; returns the line without CRLF once complete. Partial lines (at most
   * `maxBytes`) are copied aside, since they are small and the input buffer may be large. */
  private takeLine(input: Buffer, position: number, maxBytes: number, what: string): { line: Buffer | undefined; next: number } {
    const lf = input.indexOf(LF, position);
    const end = lf < 0 ? input.length : lf + 1;
    if (this.pendingLineBytes + (end - position) > maxBytes) throw malformed(`${what} is longer than ${maxBytes} bytes`);
    if (lf < 0) {
      this.pendingLine.push(Buffer.from(input.subarray(position, end)));
      this.pendingLineBytes += end - position;
      return { line: undefined, next: end };
    }
    let line = input.subarray(position, end);
    if (this.pendingLineBytes > 0) {
      line = Buffer.concat([...this.pendingLine, line]);
      this.pendingLine = [];
      this.pendingLineBytes = 0;
    }
    if (line.length < 2 || line[line.length - 2] !== CR) throw malformed(`${what} does not end with CRLF`);
    return { line: line.subarray(0, line.length - 2), next: end };
  }
}

function malformed(detail: string): S3Error {
  return new S3Error('InvalidRequest', `Malformed aws-chunked request body: ${detail}.`);
}

function lengthMismatch(declaredBytes: number): S3Error {
  return new S3Error('IncompleteBody', `The decoded aws-chunked body does not match x-amz-decoded-content-length (${declaredBytes} bytes).`);
}

function hexEquals(expectedHex: string, providedHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'latin1');
  const provided = Buffer.from(providedHex.toLowerCase(), 'latin1');
  return expected.length === provided.length && timingSafeEqual(expected, provided);
}
