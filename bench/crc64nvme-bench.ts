// Checksum throughput, one core: our CRC-64/NVME addon (native/crc64nvme), the pure-JS
// @aws-sdk/crc64-nvme as the baseline, and @node-rs/crc32's CRC-32C for reference, on 1 MiB and
// 64 KiB buffers. Each row is the best of several timed rounds of ~0.25 s. No assertions.
//
//   npx tsc -p tsconfig.json && node dist/bench/crc64nvme-bench.js
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { crc64nvme, implementation } from '@cairn/crc64nvme';
import { crc32c } from '@node-rs/crc32';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

const ROUNDS = 5;
const ROUND_MS = 250;

interface Candidate {
  name: string;
  checksum: (data: Uint8Array) => unknown;
}

const candidates: Candidate[] = [
  { name: `@cairn/crc64nvme (${implementation})`, checksum: (data) => crc64nvme(data) },
  {
    name: '@aws-sdk/crc64-nvme (pure JS)',
    checksum: (data) => {
      const hash = new Crc64Nvme();
      hash.update(data);
      return hash.digest(); // a promise, but the work is done in update(); not awaited
    },
  },
  { name: '@node-rs/crc32 crc32c', checksum: (data) => crc32c(data) },
];

/** Best rate over ROUNDS rounds, each running the checksum for about ROUND_MS. */
function gigabytesPerSecond(candidate: Candidate, data: Uint8Array): number {
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let calls = 0;
    const startMs = performance.now();
    let elapsedMs = 0;
    do {
      candidate.checksum(data);
      calls += 1;
      elapsedMs = performance.now() - startMs;
    } while (elapsedMs < ROUND_MS);
    best = Math.max(best, (calls * data.length) / (elapsedMs / 1000) / 1e9);
  }
  return best;
}

const sizes = [
  { label: '1 MiB', lengthBytes: 1024 * 1024 },
  { label: '64 KiB', lengthBytes: 64 * 1024 },
];
const buffers = sizes.map(({ lengthBytes }) => randomBytes(lengthBytes));

const rows = candidates.map((candidate) => {
  candidate.checksum(buffers[0]!); // warm up
  return [candidate.name, ...buffers.map((data) => gigabytesPerSecond(candidate, data).toFixed(2))];
});

const header = ['checksum (GB/s, 1 core)', ...sizes.map(({ label }) => label)];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
const line = (cells: string[]): string => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
console.log(line(header));
console.log(widths.map((width) => '-'.repeat(width)).join('  '));
for (const row of rows) console.log(line(row));
