// The native CRC-32C (native/crc64nvme's crc32c) against @node-rs/crc32's crc32c, which the storage
// records used before: every length 0..4100, 1 MiB and longer buffers, unaligned views, chaining
// through `previous`, the check value, bad arguments, and the portable table kernel (forced in a
// child process).
import { crc32c, crc32cImplementation } from '@cairn/crc64nvme';
import { crc32c as referenceCrc32c } from '@node-rs/crc32';
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const SEED = Number(process.env.CRC32C_TEST_SEED ?? 0xc32c);
const MIB = 1024 * 1024;

/** mulberry32: a small seeded PRNG, so a failure can be replayed with CRC32C_TEST_SEED. */
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

const hex = (value: number): string => value.toString(16).padStart(8, '0');

describe('crc32c', () => {
  it('gives the CRC-32C check value and 0 for empty input; `previous` passes through empty input', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(0)), 0);
    assert.equal(crc32c(new Uint8Array(0), 0xe3069283), 0xe3069283);
    assert.equal(crc32c(Buffer.from('123456789'), undefined), 0xe3069283);
    assert.equal(crc32c(Buffer.from('123456789'), null), 0xe3069283);
    // RFC 3720 (iSCSI) B.4 vectors: 32 bytes of zeros, of ones, ascending.
    assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
  });

  it('uses the SSE4.2 kernel where the CPU has it', () => {
    const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
    const hasKernelFlags = process.arch === 'x64' && /\bsse4_2\b/.test(cpuinfo) && /\bpclmulqdq\b/.test(cpuinfo);
    if (process.env.CAIRN_CRC64NVME_FORCE_TABLE) assert.equal(crc32cImplementation, 'table');
    else assert.equal(crc32cImplementation, hasKernelFlags ? 'sse42' : 'table');
  });

  it('matches @node-rs/crc32 for every length 0..4100, at every alignment mod 8, from 0 and from a previous value', () => {
    const random = prng(SEED);
    const pool = randomBytes(random, 4100 + 8);
    for (let lengthBytes = 0; lengthBytes <= 4100; lengthBytes++) {
      const offset = lengthBytes % 8;
      const data = pool.subarray(offset, offset + lengthBytes);
      const previous = randomInt(random, 0xffffffff);
      assert.equal(hex(crc32c(data)), hex(referenceCrc32c(data)), `length ${lengthBytes}, offset ${offset}`);
      assert.equal(hex(crc32c(data, previous)), hex(referenceCrc32c(data, previous)), `length ${lengthBytes}, previous ${previous}`);
    }
  });

  it('matches on 1 MiB and longer buffers, and on unaligned subarrays around the block sizes', () => {
    const pool = randomBytes(prng(SEED + 1), 3 * MIB + 64);
    // 3 × 256 and 3 × 8192 bytes are the kernel's short and long three-stream steps.
    const lengthsBytes = [767, 768, 769, 24_575, 24_576, 24_577, 25_343, 65_536, MIB - 1, MIB, MIB + 1, 3 * MIB + 7];
    for (const lengthBytes of lengthsBytes) {
      for (const offset of [0, 1, 3, 7, 8, 13]) {
        const view = pool.subarray(offset, offset + lengthBytes);
        const expected = referenceCrc32c(Uint8Array.from(view));
        assert.equal(hex(crc32c(view)), hex(expected), `length ${lengthBytes}, offset ${offset}`);
      }
    }
  });

  it('continues from `previous`: 200 random buffers up to 3 MiB split at random points', () => {
    const random = prng(SEED + 2);
    const pool = randomBytes(random, 6 * MIB);
    for (let round = 0; round < 200; round++) {
      const lengthBytes = round < 20 ? randomInt(random, 300) : randomInt(random, 3 * MIB);
      const offset = randomInt(random, pool.length - lengthBytes);
      const data = pool.subarray(offset, offset + lengthBytes);
      const expected = referenceCrc32c(data);
      assert.equal(crc32c(data), expected, `round ${round}: length ${lengthBytes}, offset ${offset}`);

      const splits = Array.from({ length: randomInt(random, 8) }, () => randomInt(random, lengthBytes)).sort((a, b) => a - b);
      let value = 0;
      let start = 0;
      for (const end of [...splits, lengthBytes]) {
        value = crc32c(data.subarray(start, end), value);
        start = end;
      }
      assert.equal(value, expected, `round ${round}: length ${lengthBytes}, splits ${splits.join(',')}`);
    }
  });

  it('reads any ArrayBufferView as its bytes', () => {
    const bytes = randomBytes(prng(SEED + 3), 4096);
    const expected = referenceCrc32c(bytes);
    const words = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    assert.equal(crc32c(words as unknown as Uint8Array), expected);
    assert.equal(crc32c(new DataView(bytes.buffer, bytes.byteOffset, bytes.length) as unknown as Uint8Array), expected);
  });

  it('rejects bad arguments', () => {
    assert.throws(() => crc32c('abc' as unknown as Uint8Array), TypeError);
    assert.throws(() => (crc32c as unknown as () => number)(), TypeError);
    assert.throws(() => crc32c(new Uint8Array(1), 1n as unknown as number), TypeError);
    assert.throws(() => crc32c(new Uint8Array(1), -1), RangeError);
    assert.throws(() => crc32c(new Uint8Array(1), 2 ** 32), RangeError);
    assert.throws(() => crc32c(new Uint8Array(1), 1.5), RangeError);
    assert.throws(() => crc32c(new Uint8Array(1), Number.NaN), RangeError);
  });

  it('gives the same answers with the portable table kernel (forced in a child process)', () => {
    const addonPath = createRequire(import.meta.url).resolve('@cairn/crc64nvme');
    const script = `
      const addon = require(${JSON.stringify(addonPath)});
      const pool = Buffer.alloc(200_000);
      for (let i = 0; i < pool.length; i++) pool[i] = (i * 2654435761) >>> 24;
      const lengths = [...Array(1100).keys(), 4096, 24_577, 65_537, 199_000];
      const values = lengths.map((n) => addon.crc32c(pool.subarray(n % 13, n % 13 + n), 0x01234567));
      console.log(JSON.stringify({ implementation: addon.crc32cImplementation, values }));`;
    const output = execFileSync(process.execPath, ['-e', script], {
      env: { ...process.env, CAIRN_CRC64NVME_FORCE_TABLE: '1' },
      encoding: 'utf8',
    });
    const child = JSON.parse(output) as { implementation: string; values: number[] };
    assert.equal(child.implementation, 'table');

    const pool = Buffer.alloc(200_000);
    for (let i = 0; i < pool.length; i++) pool[i] = Math.imul(i, 2654435761) >>> 24;
    const lengths = [...Array(1100).keys(), 4096, 24_577, 65_537, 199_000];
    const expected = lengths.map((n) => referenceCrc32c(pool.subarray(n % 13, (n % 13) + n), 0x01234567));
    assert.deepEqual(child.values, expected);
  });
});
