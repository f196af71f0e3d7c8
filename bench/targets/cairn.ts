// Cairn itself, started from bin/cairn.js on a fresh data directory. `--workers` is passed only
// when asked for, so the harness also runs against a build that lacks the flag.
import { execFileSync } from 'node:child_process';
import { CAIRN_BIN, REPO_ROOT } from '../paths.js';
import { makeTemporaryDirectory, removeTemporaryDirectory, spawnManaged } from '../processes.js';
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

export async function startCairn(id: TargetId, label: string, workers: number | undefined): Promise<Target> {
  const dataDirectory = makeTemporaryDirectory('cairn-bench-');
  const args = [CAIRN_BIN, 'server', '--address', '127.0.0.1:0', '--data', dataDirectory];
  if (workers !== undefined) args.push('--workers', String(workers));
  const server = spawnManaged(label, process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, CAIRN_ACCESS_KEY, CAIRN_SECRET_KEY },
  });
  try {
    const match = await server.waitForLine(ENDPOINT_LINE);
    const origin = match[1]!;
    const signer = signerFor(origin, { accessKeyId: CAIRN_ACCESS_KEY, secretAccessKey: CAIRN_SECRET_KEY, region: CAIRN_REGION });
    const head = s3RequestHead(signer, BENCH_BUCKET);
    await createBucket(origin, head('PUT', ''));
    return {
      id, label, origin, bucket: BENCH_BUCKET, supportsList: true, head,
      async stop() {
        await server.stop();
        removeTemporaryDirectory(dataDirectory);
      },
    };
  } catch (error) {
    await server.stop();
    removeTemporaryDirectory(dataDirectory);
    throw error;
  }
}
