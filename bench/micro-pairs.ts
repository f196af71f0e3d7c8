// Old way beside new way in one process: alternated rounds, median CPU per operation
// (process.cpuUsage). On a machine shared with other jobs this is far steadier than requests per second.

const ROUNDS_AT = process.argv.indexOf('--rounds');
const ROUNDS = ROUNDS_AT >= 0 ? Number(process.argv[ROUNDS_AT + 1]) : 5;

/** CPU µs per call of `run(iterations)`, one measurement. */
function cpuMicrosPerOp(iterations: number, run: (iterations: number) => void): number {
  const start = process.cpuUsage();
  run(iterations);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

export interface Pair { name: string; iterations: number; before: (n: number) => void; after: (n: number) => void }

export function compare(pair: Pair): void {
  const before: number[] = [];
  const after: number[] = [];
  pair.before(Math.ceil(pair.iterations / 10));
  pair.after(Math.ceil(pair.iterations / 10));
  for (let round = 0; round < ROUNDS; round++) {
    before.push(cpuMicrosPerOp(pair.iterations, pair.before));
    after.push(cpuMicrosPerOp(pair.iterations, pair.after));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const b = median(before);
  const a = median(after);
  console.log(`${pair.name.padEnd(60)} before ${b.toFixed(2).padStart(8)} µs   after ${a.toFixed(2).padStart(8)} µs   after/before ${(a / b).toFixed(2)}`);
}

export const MICRO_ROUNDS = ROUNDS;
