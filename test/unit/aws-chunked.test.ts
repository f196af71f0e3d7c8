import { strict as assert } from 'node:assert';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { S3Error } from '../../src/frontend/errors.js';
import { AWS_CHUNK_SIZE_BYTES_MAX } from '../../src/limits.js';
import { decodeAwsChunked, type AwsChunkedOptions } from '../../src/frontend/auth/aws-chunked.js';
import type { SigningContext } from '../../src/frontend/auth/sigv4.js';

// The AWS documentation's chunked-upload examples: 66,560 bytes of 'a' sent as 64 KiB + 1 KiB + final chunk.
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AMZ_DATE = '20130524T000000Z';
const SCOPE = '20130524/us-east-1/s3/aws4_request';
const EXAMPLE_DATA = Buffer.alloc(66560, 'a');
const DOC_CHUNKED = {
  seed: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  chunks: ['ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648', '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497'],
  final: 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
};
const DOC_TRAILER = {
  seed: '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
  chunks: ['b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2', '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7'],
  final: '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
  trailerLine: 'x-amz-checksum-crc32c:sOO8/Q==',
  trailerSignature: 'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435',
};
const EMPTY_SHA256 = createHash('sha256').digest('hex');

function signingKey(): Buffer {
  const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  return hmac(hmac(hmac(hmac(`AWS4${SECRET}`, '20130524'), 'us-east-1'), 's3'), 'aws4_request');
}
function signing(seedSignature: string): SigningContext {
  return { signingKey: signingKey(), scope: SCOPE, amzDate: AMZ_DATE, seedSignature, signaturesChecked: true };
}
/** Reference chunk signature, written from the AWS documentation independently of the decoder. */
function chunkSignature(previous: string, data: Buffer): string {
  const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', AMZ_DATE, SCOPE, previous, EMPTY_SHA256, createHash('sha256').update(data).digest('hex')].join('\n');
  return createHmac('sha256', signingKey()).update(stringToSign).digest('hex');
}
function trailerSignature(previous: string, trailerLines: string[]): string {
  const canonical = trailerLines.map((line) => `${line}\n`).join('');
  const stringToSign = ['AWS4-HMAC-SHA256-TRAILER', AMZ_DATE, SCOPE, previous, createHash('sha256').update(canonical).digest('hex')].join('\n');
  return createHmac('sha256', signingKey()).update(stringToSign).digest('hex');
}

interface BodySpec { data: Buffer; chunkSizes: number[]; seed?: string; trailerLines?: string[]; signTrailer?: boolean; finalCrlf?: boolean }
/** Frames `data` as aws-chunked; signs the chunks when `seed` is given. */
function encode(spec: BodySpec): Buffer {
  const parts: Buffer[] = [];
  let previous = spec.seed;
  let offset = 0;
  for (const size of [...spec.chunkSizes, 0]) {
    const chunk = spec.data.subarray(offset, offset + size);
    offset += size;
    let extension = '';
    if (previous !== undefined) {
      previous = chunkSignature(previous, chunk);
      extension = `;chunk-signature=${previous}`;
    }
    parts.push(Buffer.from(`${size.toString(16)}${extension}\r\n`), chunk);
    if (size > 0) parts.push(Buffer.from('\r\n'));
  }
  for (const line of spec.trailerLines ?? []) parts.push(Buffer.from(`${line}\r\n`));
  if (spec.signTrailer) parts.push(Buffer.from(`x-amz-trailer-signature:${trailerSignature(previous as string, spec.trailerLines ?? [])}\r\n`));
  if (spec.finalCrlf ?? true) parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Splitter = (remaining: number) => number;
const SPLITTERS = {
  whole: () => (remaining) => remaining,
  'one byte': () => () => 1,
  'random small': () => { const r = random(7); return () => 1 + Math.floor(r() * 300); },
  'random large': () => { const r = random(11); return () => 1 + Math.floor(r() * 70_000); },
} satisfies Record<string, () => Splitter>;
async function* pieces(body: Buffer, split: Splitter): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < body.length;) {
    const size = Math.min(body.length - offset, split(body.length - offset));
    yield body.subarray(offset, offset + size);
    offset += size;
  }
}
async function decodeAll(body: Buffer, options: AwsChunkedOptions, split: Splitter = SPLITTERS.whole()) {
  const decoded = decodeAwsChunked(pieces(body, split), options);
  const slices: Buffer[] = [];
  for await (const slice of decoded.data) slices.push(slice);
  return { data: Buffer.concat(slices), trailers: decoded.trailers, slices };
}
async function expectError(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof S3Error, `expected S3Error, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

const signedOptions = (seed: string, decodedContentLengthBytes = EXAMPLE_DATA.length): AwsChunkedOptions => ({
  chunkSignatures: true, trailer: 'none', signing: signing(seed), declaredTrailerNames: [], decodedContentLengthBytes,
});
const signedTrailerOptions = (decodedContentLengthBytes = EXAMPLE_DATA.length): AwsChunkedOptions => ({
  chunkSignatures: true, trailer: 'signed', signing: signing(DOC_TRAILER.seed), declaredTrailerNames: ['x-amz-checksum-crc32c'], decodedContentLengthBytes,
});
const unsignedOptions = (decodedContentLengthBytes: number, declaredTrailerNames = ['x-amz-checksum-crc32']): AwsChunkedOptions => ({
  chunkSignatures: false, trailer: 'unsigned', declaredTrailerNames, decodedContentLengthBytes,
});
const docChunkedBody = (): Buffer => encode({ data: EXAMPLE_DATA, chunkSizes: [65536, 1024], seed: DOC_CHUNKED.seed });
const docTrailerBody = (): Buffer => Buffer.concat([
  Buffer.from(`10000;chunk-signature=${DOC_TRAILER.chunks[0]}\r\n`), EXAMPLE_DATA.subarray(0, 65536),
  Buffer.from(`\r\n400;chunk-signature=${DOC_TRAILER.chunks[1]}\r\n`), EXAMPLE_DATA.subarray(65536),
  Buffer.from(`\r\n0;chunk-signature=${DOC_TRAILER.final}\r\n${DOC_TRAILER.trailerLine}\r\nx-amz-trailer-signature:${DOC_TRAILER.trailerSignature}\r\n\r\n`),
]);

describe('aws-chunked: AWS documentation vectors', () => {
  it('the reference signer reproduces the documented chunk and trailer signatures', () => {
    const first = chunkSignature(DOC_CHUNKED.seed, EXAMPLE_DATA.subarray(0, 65536));
    const second = chunkSignature(first, EXAMPLE_DATA.subarray(65536));
    assert.deepEqual([first, second, chunkSignature(second, Buffer.alloc(0))], [...DOC_CHUNKED.chunks, DOC_CHUNKED.final]);
    assert.equal(trailerSignature(DOC_TRAILER.final, [DOC_TRAILER.trailerLine]), DOC_TRAILER.trailerSignature);
    assert.ok(docChunkedBody().includes(`;chunk-signature=${DOC_CHUNKED.final}\r\n\r\n`));
  });

  for (const [name, makeSplitter] of Object.entries(SPLITTERS)) {
    it(`decodes the signed example split into ${name} pieces`, async () => {
      const { data, trailers } = await decodeAll(docChunkedBody(), signedOptions(DOC_CHUNKED.seed), makeSplitter());
      assert.ok(data.equals(EXAMPLE_DATA));
      assert.equal(trailers.size, 0);
    });

    it(`decodes the signed-trailer example split into ${name} pieces`, async () => {
      const { data, trailers } = await decodeAll(docTrailerBody(), signedTrailerOptions(), makeSplitter());
      assert.ok(data.equals(EXAMPLE_DATA));
      assert.deepEqual([...trailers], [['x-amz-checksum-crc32c', 'sOO8/Q==']]);
    });
  }
});

describe('aws-chunked: decoding', () => {
  it('decodes an unsigned body with a checksum trailer, as the AWS SDK for JavaScript v3 sends it', async () => {
    const data = Buffer.from('hello, aws-chunked world');
    const body = Buffer.from(`a\r\n${data.subarray(0, 10)}\r\n${(data.length - 10).toString(16)}\r\n${data.subarray(10)}\r\n0\r\nx-amz-checksum-crc32:FvrKSQ==\r\n\r\n`);
    for (const makeSplitter of Object.values(SPLITTERS)) {
      const decoded = await decodeAll(body, unsignedOptions(data.length), makeSplitter());
      assert.ok(decoded.data.equals(data));
      assert.deepEqual([...decoded.trailers], [['x-amz-checksum-crc32', 'FvrKSQ==']]);
    }
  });

  it('accepts a body whose final blank line is missing', async () => {
    const data = Buffer.from('abc');
    const withTrailer = encode({ data, chunkSizes: [3], trailerLines: ['x-amz-checksum-crc32:NSRBwg=='], finalCrlf: false });
    assert.deepEqual([...(await decodeAll(withTrailer, unsignedOptions(3))).trailers], [['x-amz-checksum-crc32', 'NSRBwg==']]);
    const bare = Buffer.from('3\r\nabc\r\n0\r\n');
    assert.ok((await decodeAll(bare, unsignedOptions(3, []))).data.equals(data));
  });

  it('decodes random signed bodies with random chunk sizes and splits', async () => {
    const r = random(42);
    for (let round = 0; round < 30; round++) {
      const data = Buffer.from(Array.from({ length: Math.floor(r() * 5000) }, () => Math.floor(r() * 256)));
      const chunkSizes: number[] = [];
      for (let left = data.length; left > 0;) {
        const size = Math.min(left, 1 + Math.floor(r() * 1500));
        chunkSizes.push(size);
        left -= size;
      }
      const body = encode({ data, chunkSizes, seed: DOC_CHUNKED.seed });
      const decoded = await decodeAll(body, signedOptions(DOC_CHUNKED.seed, data.length), () => 1 + Math.floor(r() * 700));
      assert.ok(decoded.data.equals(data), `round ${round}`);
    }
  });

  it('yields subarrays of the input without copying', async () => {
    const body = docChunkedBody();
    const { slices } = await decodeAll(body, signedOptions(DOC_CHUNKED.seed));
    assert.deepEqual(slices.map((slice) => slice.length), [65536, 1024]);
    for (const slice of slices) assert.equal(slice.buffer, body.buffer);
  });

  it('accepts an empty object', async () => {
    const body = encode({ data: Buffer.alloc(0), chunkSizes: [], seed: DOC_CHUNKED.seed });
    assert.equal((await decodeAll(body, signedOptions(DOC_CHUNKED.seed, 0))).data.length, 0);
  });
});

describe('aws-chunked: errors', () => {
  it('rejects a wrong or missing chunk signature, and tampered data', async () => {
    const body = docChunkedBody();
    const wrongSignature = Buffer.from(body);
    wrongSignature.write(DOC_CHUNKED.chunks[1]!.replace(/^./, (c) => (c === '0' ? '1' : '0')), body.indexOf(DOC_CHUNKED.chunks[1]!), 'latin1');
    await expectError(decodeAll(wrongSignature, signedOptions(DOC_CHUNKED.seed)), 'SignatureDoesNotMatch');
    const tampered = Buffer.from(body);
    tampered[66_000] = 'b'.charCodeAt(0);
    await expectError(decodeAll(tampered, signedOptions(DOC_CHUNKED.seed)), 'SignatureDoesNotMatch');
    await expectError(decodeAll(body, signedOptions(DOC_TRAILER.seed)), 'SignatureDoesNotMatch');
    const unsignedFraming = encode({ data: EXAMPLE_DATA, chunkSizes: [65536, 1024] });
    await expectError(decodeAll(unsignedFraming, signedOptions(DOC_CHUNKED.seed)), 'SignatureDoesNotMatch');
  });

  it('rejects a wrong or missing trailer signature and tampered trailers', async () => {
    const body = docTrailerBody();
    const tamperedValue = Buffer.from(body.toString('latin1').replace('sOO8/Q==', 'sOO8/Q=='.replace('s', 't')), 'latin1');
    await expectError(decodeAll(tamperedValue, signedTrailerOptions()), 'SignatureDoesNotMatch');
    const noSignature = Buffer.from(body.toString('latin1').replace(/x-amz-trailer-signature:[0-9a-f]+\r\n/, ''), 'latin1');
    await expectError(decodeAll(noSignature, signedTrailerOptions()), 'SignatureDoesNotMatch');
  });

  it('rejects a truncated body with IncompleteBody', async () => {
    const body = docTrailerBody();
    const finalLineEnd = body.indexOf(`${DOC_TRAILER.final}\r\n`) + 64 + 2;
    const r = random(3);
    const cuts = [0, 1, 10, 85, 86, 87, 65_621, 65_622, 65_623, 66_600, finalLineEnd - 1, finalLineEnd, finalLineEnd + 5];
    for (let i = 0; i < 100; i++) cuts.push(Math.floor(r() * finalLineEnd));
    for (const cut of cuts) {
      await expectError(decodeAll(body.subarray(0, cut), signedTrailerOptions(), SPLITTERS['random small']()), 'IncompleteBody');
    }
  });

  it('rejects a decoded length that differs from x-amz-decoded-content-length', async () => {
    await expectError(decodeAll(docChunkedBody(), signedOptions(DOC_CHUNKED.seed, EXAMPLE_DATA.length + 1)), 'IncompleteBody');
    await expectError(decodeAll(docChunkedBody(), signedOptions(DOC_CHUNKED.seed, EXAMPLE_DATA.length - 1)), 'IncompleteBody');
    await expectError(decodeAll(Buffer.from('3\r\nabc\r\n0\r\n\r\n'), unsignedOptions(2, [])), 'IncompleteBody');
  });

  it('rejects malformed framing with InvalidRequest', async () => {
    const manyNames = Array.from({ length: 20 }, (_, i) => `x-amz-checksum-${i}`);
    const cases: Array<[string, string[]]> = [
      ['zz\r\nabc\r\n0\r\n\r\n', []],
      ['3;chunk-signature=abc\r\nabc\r\n0\r\n\r\n', []],
      ['3\nabc\r\n0\r\n\r\n', []],
      ['2\r\nabc\r\n0\r\n\r\n', []],
      [`${'0'.repeat(300)}3\r\nabc\r\n0\r\n\r\n`, []],
      ['3\r\nabc\r\n0\r\nx-amz-meta-sneaky:1\r\n\r\n', ['x-amz-checksum-crc32']],
      ['3\r\nabc\r\n0\r\nno-colon-here\r\n\r\n', ['x-amz-checksum-crc32']],
      ['3\r\nabc\r\n0\r\nx-amz-checksum-crc32:A\r\nx-amz-checksum-crc32:B\r\n\r\n', ['x-amz-checksum-crc32']],
      ['3\r\nabc\r\n0\r\n\r\nextra', []],
      [`3\r\nabc\r\n0\r\nx-amz-checksum-crc32:${'A'.repeat(5000)}\r\n\r\n`, ['x-amz-checksum-crc32']],
      [`3\r\nabc\r\n0\r\n${manyNames.map((name) => `${name}:AAAAAA==\r\n`).join('')}\r\n`, manyNames],
    ];
    for (const [body, declared] of cases) {
      for (const makeSplitter of [SPLITTERS.whole, SPLITTERS['one byte']]) {
        await expectError(decodeAll(Buffer.from(body), unsignedOptions(3, declared), makeSplitter()), 'InvalidRequest');
      }
    }
  });

  it('rejects a declared trailer that never arrives', async () => {
    await expectError(decodeAll(Buffer.from('3\r\nabc\r\n0\r\n\r\n'), unsignedOptions(3)), 'IncompleteBody', /x-amz-checksum-crc32/);
  });

  it('refuses an absurd chunk size before reading its data', async () => {
    const body = Buffer.from(`${(AWS_CHUNK_SIZE_BYTES_MAX + 1).toString(16)}\r\n`);
    await expectError(decodeAll(body, unsignedOptions(Number.MAX_SAFE_INTEGER)), 'InvalidRequest', /exceeds the limit/);
    await expectError(decodeAll(Buffer.from('ffffffffffffffff\r\n'), unsignedOptions(100)), 'InvalidRequest');
  });
});
