// A small seeded PRNG for the fuzz and power-loss suites, and the seed they run with: derived from
// the commit under test (so a local run and CI explore the same inputs for one commit, and each new
// commit explores new ones), printed, and overridable from the environment to replay a failure.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { REPO_ROOT } from './server.js';

/** When the tree is not a git checkout (a tarball): a fixed seed, still printed and overridable. */
const FALLBACK_SEED = 0x0c41_2e13;

/** The commit under test, or null outside git. */
export function commitUnderTest(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The seed: `envName` if set (decimal or 0x-hex), else a hash of HEAD and `label`, else the fallback. */
export function suiteSeed(envName: string, label: string): { seed: number; source: string } {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== '') {
    const seed = Number(fromEnv);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${envName} must be a non-negative integer, got ${fromEnv}`);
    return { seed: seed >>> 0, source: envName };
  }
  const commit = commitUnderTest();
  if (commit === null) return { seed: FALLBACK_SEED, source: 'fallback (not a git checkout)' };
  const seed = createHash('sha256').update(`${label}:${commit}`).digest().readUInt32BE(0);
  return { seed, source: `commit ${commit.slice(0, 12)}` };
}

/** A non-negative integer from the environment, or `fallback`. */
export function envCount(envName: string, fallback: number): number {
  const raw = process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${envName} must be a non-negative integer, got ${raw}`);
  return value;
}

/** mulberry32: 32 bits of state, fast, and good enough to choose test inputs. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(count: number): Buffer {
    const out = Buffer.allocUnsafe(count);
    for (let index = 0; index < count; index++) out[index] = this.int(0, 255);
    return out;
  }

  /** A derived generator (for one request, one cut), so a replay can start anywhere. */
  fork(): SeededRandom {
    return new SeededRandom(this.int(0, 0xffff_ffff));
  }
}
