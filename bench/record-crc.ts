// The CRC32C work of one storage record (record.ts: header CRC over the 16 fixed bytes and ~200
// bytes of header JSON, payload CRC) and of an x-amz-checksum-crc32c body (64 KiB socket chunks),
// with @node-rs/crc32 (before session 9) beside @cairn/crc64nvme's crc32c (after): alternated
// rounds, median CPU µs per operation (micro-pairs.ts).
//
//   npx tsc -p tsconfig.json && node dist/bench/record-crc.js [--rounds 7]
import { crc32c as cairnCrc32c } from '@cairn/crc64nvme';
import { crc32c as nodeRsCrc32c } from '@node-rs/crc32';
import { randomBytes } from 'node:crypto';
import { compare, type Pair } from './micro-pairs.js';

type Crc32c = (data: Uint8Array, previous?: number) => number;

const fixed = randomBytes(16);
const json = randomBytes(200);

/** Verifying one record as record.ts does: header CRC in two calls, then the payload's. */
function recordPair(label: string, payloadBytes: number, iterations: number): Pair {
  const payload = randomBytes(payloadBytes);
  const verify = (crc32c: Crc32c) => (n: number) => {
    for (let i = 0; i < n; i++) {
      crc32c(json, crc32c(fixed));
      crc32c(payload);
    }
  };
  return { name: `record CRCs, ${label} payload`, iterations, before: verify(nodeRsCrc32c), after: verify(cairnCrc32c) };
}

/** x-amz-checksum-crc32c of a 1 MiB body arriving in 64 KiB chunks (checksums.ts's Crc32Checksummer). */
function bodyPair(): Pair {
  const chunks = Array.from({ length: 16 }, () => randomBytes(64 * 1024));
  const checksum = (crc32c: Crc32c) => (n: number) => {
    for (let i = 0; i < n; i++) {
      let state = 0;
      for (const chunk of chunks) state = crc32c(chunk, state);
    }
  };
  return { name: 'x-amz-checksum-crc32c, 1 MiB in 64 KiB chunks', iterations: 200, before: checksum(nodeRsCrc32c), after: checksum(cairnCrc32c) };
}

compare(recordPair('0 B (tombstone)', 0, 200_000));
compare(recordPair('4 KiB', 4 * 1024, 100_000));
compare(recordPair('64 KiB', 64 * 1024, 5_000));
compare(recordPair('1 MiB', 1024 * 1024, 300));
compare(bodyPair());
