// Cairn itself, started from bin/cairn.js on a fresh data directory. `--workers` is passed only
// when asked for, so the harness also runs against a build that lacks the flag.
import { execFileSync } from 'node:child_process';
import { CAIRN_BIN, REPO_ROOT } from '../paths.js';
import { makeTemporaryDirectory, removeTemporaryDirectory, spawnManaged, type ManagedProcess } from '../processes.js';
import type { SigV4Signer } from '../sigv4-client.js';
import { BENCH_BUCKET, type Target, type TargetId } from './target.js';
import { createBucket, s3RequestHead, signerFor } from './s3-requests.js';

export const CAIRN_ACCESS_KEY = 'BENCHACCESSKEY0000001';
export const CAIRN_SECRET_KEY = 'bench-secret-key-0000000000000000000000';
const CAIRN_REGION = 'us-east-1';
const ENDPOINT_LINE = /^\s*endpoint\s+(http:\/\/\S+)\s*$/m;

/** Whether this build of the CLI documents `--workers` in its usage text. */
export function cairnSupportsWorkers(): boolean {
  try {
    const usage = execFileSync(process.execPath, [CAIRN_BIN, '--help'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return usage.includes('--workers');
  } catch {
    return false;
  }
}

export interface CairnOptions {
  /** The caller's directory, kept when the server stops (so a restart can reuse it). Default: a fresh temporary one, removed on stop. */
  dataDirectory?: string;
  /** More `cairn server` arguments: drives, `--scrub-rate`… */
  extraArgs?: string[];
  /** Node options before the script (`--cpu-prof`…; cluster workers inherit them through execArgv). */
  nodeArgs?: string[];
  /** More environment variables for the server. */
  env?: Record<string, string>;
  /** Another build's launcher (an A/B against a baseline checkout, bench/ab.ts). Default: this one. */
  bin?: string;
}

/** A Cairn target, with what benchmarks of its background work need: the process and a signer for the admin API. */
export interface CairnTarget extends Target {
  process: ManagedProcess;
  signer: SigV4Signer;
}

export async function startCairn(id: TargetId, label: string, workers: number | undefined, options: CairnOptions = {}): Promise<CairnTarget> {
  const ownsDirectory = options.dataDirectory === undefined;
  const dataDirectory = options.dataDirectory ?? makeTemporaryDirectory('cairn-bench-');
  const args = [...(options.nodeArgs ?? []), options.bin ?? CAIRN_BIN, 'server', '--address', '127.0.0.1:0', '--data', dataDirectory, ...(options.extraArgs ?? [])];
  if (workers !== undefined) args.push('--workers', String(workers));
  const server = spawnManaged(label, process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env, CAIRN_ACCESS_KEY, CAIRN_SECRET_KEY },
  });
  const release = async () => {
    await server.stop();
    if (ownsDirectory) removeTemporaryDirectory(dataDirectory);
  };
  try {
    const match = await server.waitForLine(ENDPOINT_LINE);
    const origin = match[1]!;
    const signer = signerFor(origin, { accessKeyId: CAIRN_ACCESS_KEY, secretAccessKey: CAIRN_SECRET_KEY, region: CAIRN_REGION });
    const head = s3RequestHead(signer, BENCH_BUCKET);
    await createBucket(origin, head('PUT', ''));
    return { id, label, origin, bucket: BENCH_BUCKET, supportsList: true, head, process: server, signer, stop: release };
  } catch (error) {
    await release();
    throw error;
  }
}
