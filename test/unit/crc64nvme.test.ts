// The native CRC-64/NVME addon (native/crc64nvme) against the pure-JS reference @aws-sdk/crc64-nvme:
// every short length, random large buffers split at random points, unaligned views, the portable
// table kernel (forced in a child process), and the CRC combine functions against whole-buffer CRCs.
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import {
  crc32Combine,
  crc32cCombine,
  crc64nvme,
  crc64nvmeCombine,
  crc64nvmeToBytes,
  implementation,
} from '@cairn/crc64nvme';
import { crc32, crc32c } from '@node-rs/crc32';
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const SEED = Number(process.env.CRC64NVME_TEST_SEED ?? 0x5eed);
const MIB = 1024 * 1024;

/** mulberry32: a small seeded PRNG, so a failure can be replayed with CRC64NVME_TEST_SEED. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomInt(random: () => number, maxInclusive: number): number {
  return Math.floor(random() * (maxInclusive + 1));
}

function randomBytes(random: () => number, lengthBytes: number): Buffer {
  const words = new Uint32Array(Math.ceil(lengthBytes / 4));
  for (let i = 0; i < words.length; i++) words[i] = random() * 4294967296;
  return Buffer.from(words.buffer, 0, lengthBytes);
}

async function referenceCrc64(data: Uint8Array): Promise<bigint> {
  const checksum = new Crc64Nvme();
  checksum.update(data);
  return Buffer.from(await checksum.digest()).readBigUInt64BE(0);
}

const hex = (value: bigint): string => value.toString(16).padStart(16, '0');

describe('crc64nvme', () => {
  it('gives the CRC-64/NVME check value, encoded as S3 does', () => {
    const value = crc64nvme(Buffer.from('123456789'));
    assert.equal(value, 0xae8b14860a799888n);
    assert.equal(crc64nvmeToBytes(value).toString('hex'), 'ae8b14860a799888');
    assert.equal(crc64nvmeToBytes(value).toString('base64'), 'rosUhgp5mIg=');
  });

  it('gives 0 for empty input, and leaves `previous` unchanged over empty input', () => {
    assert.equal(crc64nvme(new Uint8Array(0)), 0n);
    assert.equal(crc64nvme(new Uint8Array(0), 0xae8b14860a799888n), 0xae8b14860a799888n);
  });

  it('uses the PCLMULQDQ kernel where the CPU has it', () => {
    const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
    const hasKernelFlags = process.arch === 'x64' && /\bpclmulqdq\b/.test(cpuinfo) && /\bsse4_1\b/.test(cpuinfo);
    if (process.env.CAIRN_CRC64NVME_FORCE_TABLE) assert.equal(implementation, 'table');
    else assert.equal(implementation, hasKernelFlags ? 'pclmul' : 'table');
  });

  it('matches the reference for every length 0..1024 at every alignment mod 16', async () => {
    const pool = randomBytes(prng(SEED), 1024 + 16);
    for (let lengthBytes = 0; lengthBytes <= 1024; lengthBytes++) {
      const offset = lengthBytes % 16;
      const data = pool.subarray(offset, offset + lengthBytes);
      assert.equal(hex(crc64nvme(data)), hex(await referenceCrc64(data)), `length ${lengthBytes}, offset ${offset}`);
    }
  });

  it('matches the reference on unaligned subarrays around the kernel thresholds', async () => {
    const pool = randomBytes(prng(SEED + 1), 70_000);
    const lengthsBytes = [15, 16, 17, 127, 128, 129, 143, 144, 255, 256, 257, 4095, 4096, 65_537];
    for (const lengthBytes of lengthsBytes) {
      for (let offset = 0; offset < 16; offset++) {
        const view = pool.subarray(offset + 1, offset + 1 + lengthBytes);
        const copy = Uint8Array.from(view);
        const expected = await referenceCrc64(copy);
        assert.equal(crc64nvme(view), expected, `length ${lengthBytes}, offset ${offset + 1}`);
        assert.equal(crc64nvme(copy), expected);
      }
    }
  });

  it('continues from `previous`: 200 random buffers up to 3 MiB split at random points', async () => {
    const random = prng(SEED + 2);
    const pool = randomBytes(random, 6 * MIB);
    for (let round = 0; round < 200; round++) {
      const lengthBytes = round < 20 ? randomInt(random, 300) : randomInt(random, 3 * MIB);
      const offset = randomInt(random, pool.length - lengthBytes);
      const data = pool.subarray(offset, offset + lengthBytes);
      const expected = await referenceCrc64(data);
      assert.equal(crc64nvme(data), expected, `round ${round}: length ${lengthBytes}, offset ${offset}`);

      const splits = Array.from({ length: randomInt(random, 8) }, () => randomInt(random, lengthBytes)).sort((a, b) => a - b);
      let value = 0n;
      let start = 0;
      for (const end of [...splits, lengthBytes]) {
        value = crc64nvme(data.subarray(start, end), value);
        start = end;
      }
      assert.equal(value, expected, `round ${round}: length ${lengthBytes}, splits ${splits.join(',')}`);
    }
  });

  it('reads any ArrayBufferView as its bytes', async () => {
    const bytes = randomBytes(prng(SEED + 3), 4096);
    const expected = await referenceCrc64(bytes);
    const words = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    assert.equal(crc64nvme(words as unknown as Uint8Array), expected);
    assert.equal(crc64nvme(new DataView(bytes.buffer, bytes.byteOffset, bytes.length) as unknown as Uint8Array), expected);
  });

  it('rejects bad arguments', () => {
    assert.throws(() => crc64nvme('abc' as unknown as Uint8Array), TypeError);
    assert.throws(() => crc64nvme(new Uint8Array(1), 1 as unknown as bigint), TypeError);
    assert.throws(() => crc64nvme(new Uint8Array(1), -1n), RangeError);
    assert.throws(() => crc64nvme(new Uint8Array(1), 1n << 64n), RangeError);
    assert.throws(() => crc64nvmeToBytes(1n << 64n), RangeError);
    assert.throws(() => crc64nvmeCombine(0n, 0n, -1), RangeError);
    assert.throws(() => crc64nvmeCombine(0n, 0n, 1.5), RangeError);
    assert.throws(() => crc32Combine(2 ** 32, 0, 1), RangeError);
    assert.throws(() => crc32cCombine(0, 0, Number.NaN), RangeError);
  });

  it('gives the same answers with the portable table kernel (forced in a child process)', () => {
    const addonPath = createRequire(import.meta.url).resolve('@cairn/crc64nvme');
    const script = `
      const addon = require(${JSON.stringify(addonPath)});
      const pool = Buffer.alloc(200_000);
      for (let i = 0; i < pool.length; i++) pool[i] = (i * 2654435761) >>> 24;
      const lengths = [...Array(600).keys(), 1000, 4096, 65_537, 199_000];
      const values = lengths.map((n) => addon.crc64nvme(pool.subarray(n % 13, n % 13 + n), 0x0123456789abcdefn).toString(16));
      console.log(JSON.stringify({ implementation: addon.implementation, values }));`;
    const output = execFileSync(process.execPath, ['-e', script], {
      env: { ...process.env, CAIRN_CRC64NVME_FORCE_TABLE: '1' },
      encoding: 'utf8',
    });
    const child = JSON.parse(output) as { implementation: string; values: string[] };
    assert.equal(child.implementation, 'table');

    const pool = Buffer.alloc(200_000);
    for (let i = 0; i < pool.length; i++) pool[i] = Math.imul(i, 2654435761) >>> 24;
    const lengths = [...Array(600).keys(), 1000, 4096, 65_537, 199_000];
    const values = lengths.map((n) => crc64nvme(pool.subarray(n % 13, (n % 13) + n), 0x0123456789abcdefn).toString(16));
    assert.deepEqual(child.values, values);
  });
});

describe('CRC combine', () => {
  const random = prng(SEED + 4);
  const pool = randomBytes(random, 2 * MIB);
  /** Random A and B lengths, zero included, with a few long ones. */
  const cases = Array.from({ length: 300 }, (_, i) => {
    const maxBytes = i % 10 === 0 ? MIB : 5000;
    const lengthA = i % 7 === 0 ? 0 : randomInt(random, maxBytes);
    const lengthB = i % 5 === 0 ? 0 : randomInt(random, maxBytes);
    const offset = randomInt(random, pool.length - lengthA - lengthB);
    return {
      a: pool.subarray(offset, offset + lengthA),
      b: pool.subarray(offset + lengthA, offset + lengthA + lengthB),
      whole: pool.subarray(offset, offset + lengthA + lengthB),
    };
  });

  it('crc64nvmeCombine(crc(A), crc(B), |B|) = crc(A‖B)', () => {
    for (const { a, b, whole } of cases) {
      assert.equal(crc64nvmeCombine(crc64nvme(a), crc64nvme(b), b.length), crc64nvme(whole), `|A| ${a.length}, |B| ${b.length}`);
    }
  });

  it('crc32Combine and crc32cCombine agree with @node-rs/crc32 over A‖B', () => {
    for (const { a, b, whole } of cases) {
      const message = `|A| ${a.length}, |B| ${b.length}`;
      assert.equal(crc32Combine(crc32(a), crc32(b), b.length), crc32(whole), message);
      assert.equal(crc32cCombine(crc32c(a), crc32c(b), b.length), crc32c(whole), message);
    }
  });

  it('folds the parts of a multipart upload into the full-object checksum', () => {
    const partSizeBytes = 256 * 1024 + 3;
    let full64 = 0n;
    let full32 = 0;
    let full32c = 0;
    for (let start = 0; start < pool.length; start += partSizeBytes) {
      const part = pool.subarray(start, start + partSizeBytes);
      full64 = crc64nvmeCombine(full64, crc64nvme(part), part.length);
      full32 = crc32Combine(full32, crc32(part), part.length);
      full32c = crc32cCombine(full32c, crc32c(part), part.length);
    }
    assert.equal(full64, crc64nvme(pool));
    assert.equal(full32, crc32(pool));
    assert.equal(full32c, crc32c(pool));
  });

  it('handles lengths far past 4 GiB', () => {
    // combine(c, 0n, n) carries c through n bytes of zeros (multiplies by x^(8n) mod P), so lengths
    // must add: checks the exponentiation beyond 32 bits without hashing that much data. The first
    // assertion pins the zero-carrying to real data.
    const a = pool.subarray(0, 1000);
    const zeros = new Uint8Array(MIB);
    const crcA = crc64nvme(a);
    assert.equal(crc64nvmeCombine(crcA, 0n, MIB) ^ crc64nvme(zeros), crc64nvme(Buffer.concat([a, zeros])));
    const lengthsBytes: Array<[number, number]> = [[MIB, 2 ** 40], [2 ** 40 + 12_345, 3 * 2 ** 50], [2 ** 52, Number.MAX_SAFE_INTEGER - 2 ** 52]];
    for (const [n1, n2] of lengthsBytes) {
      const stepwise64 = crc64nvmeCombine(crc64nvmeCombine(crcA, 0n, n1), 0n, n2);
      assert.equal(stepwise64, crc64nvmeCombine(crcA, 0n, n1 + n2), `${n1} + ${n2}`);
      const crc32A = crc32(a);
      assert.equal(crc32Combine(crc32Combine(crc32A, 0, n1), 0, n2), crc32Combine(crc32A, 0, n1 + n2));
      assert.equal(crc32cCombine(crc32cCombine(crc32A, 0, n1), 0, n2), crc32cCombine(crc32A, 0, n1 + n2));
    }
  });
});
