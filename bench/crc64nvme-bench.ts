// Checksum throughput, one core: our CRC-64/NVME addon (native/crc64nvme), the pure-JS
// @aws-sdk/crc64-nvme as the baseline, and CRC-32C from the same addon beside @node-rs/crc32's
// (what the storage records used before session 9), on 32 B (a record header's size: the N-API call
// cost), 4 KiB, 64 KiB and 1 MiB buffers. The candidates take turns within each round (the machine
// is shared, so alternation keeps them under the same load); each cell is the best of ROUNDS
// timed runs of ~ROUND_MS. Prints GB/s and ns per call. No assertions.
//
//   npx tsc -p tsconfig.json && node dist/bench/crc64nvme-bench.js
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { crc32c as cairnCrc32c, crc32cImplementation, crc64nvme, implementation } from '@cairn/crc64nvme';
import { crc32c } from '@node-rs/crc32';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

const ROUNDS = 5;
const ROUND_MS = 150;

interface Candidate {
  name: string;
  checksum: (data: Uint8Array) => unknown;
}

const candidates: Candidate[] = [
  { name: `@cairn/crc64nvme crc64nvme (${implementation})`, checksum: (data) => crc64nvme(data) },
  {
    name: '@aws-sdk/crc64-nvme (pure JS)',
    checksum: (data) => {
      const hash = new Crc64Nvme();
      hash.update(data);
      return hash.digest(); // a promise, but the work is done in update(); not awaited
    },
  },
  { name: `@cairn/crc64nvme crc32c (${crc32cImplementation})`, checksum: (data) => cairnCrc32c(data) },
  { name: '@node-rs/crc32 crc32c', checksum: (data) => crc32c(data) },
];

/** Nanoseconds per call over one run of about ROUND_MS (calls in batches of 16, to keep the clock out). */
function nanosecondsPerCall(candidate: Candidate, data: Uint8Array): number {
  let calls = 0;
  const startMs = performance.now();
  let elapsedMs = 0;
  do {
    for (let i = 0; i < 16; i++) candidate.checksum(data);
    calls += 16;
    elapsedMs = performance.now() - startMs;
  } while (elapsedMs < ROUND_MS);
  return (elapsedMs * 1e6) / calls;
}

const sizes = [
  { label: '32 B', lengthBytes: 32 },
  { label: '4 KiB', lengthBytes: 4 * 1024 },
  { label: '64 KiB', lengthBytes: 64 * 1024 },
  { label: '1 MiB', lengthBytes: 1024 * 1024 },
];
const buffers = sizes.map(({ lengthBytes }) => randomBytes(lengthBytes));

const best = candidates.map(() => sizes.map(() => Number.POSITIVE_INFINITY));
for (const candidate of candidates) candidate.checksum(buffers[buffers.length - 1]!); // warm up
for (let round = 0; round < ROUNDS; round++) {
  buffers.forEach((data, column) => {
    candidates.forEach((candidate, row) => {
      best[row]![column] = Math.min(best[row]![column]!, nanosecondsPerCall(candidate, data));
    });
  });
}

function printTable(title: string, cell: (nanoseconds: number, lengthBytes: number) => string): void {
  const header = [title, ...sizes.map(({ label }) => label)];
  const rows = candidates.map((candidate, row) => [
    candidate.name,
    ...sizes.map(({ lengthBytes }, column) => cell(best[row]![column]!, lengthBytes)),
  ]);
  const widths = header.map((text, column) => Math.max(text.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string =>
    cells.map((text, column) => (column === 0 ? text.padEnd(widths[column]!) : text.padStart(widths[column]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

printTable('checksum (GB/s, 1 core)', (nanoseconds, lengthBytes) => (lengthBytes / nanoseconds).toFixed(2));
console.log();
printTable('checksum (ns per call)', (nanoseconds) => nanoseconds.toFixed(0));
