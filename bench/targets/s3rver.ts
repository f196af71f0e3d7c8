// s3rver 3.7.1 (a Koa app storing objects as files) through its own CLI, silent, on a free port,
// with the bench bucket created at startup.
import { REPO_ROOT, S3RVER_BIN } from '../paths.js';
import { freePort, makeTemporaryDirectory, removeTemporaryDirectory, spawnManaged } from '../processes.js';
import { BENCH_BUCKET, type Target } from './target.js';
import { s3RequestHead, signerFor } from './s3-requests.js';

/** s3rver's built-in credentials. */
const S3RVER_KEY = 'S3RVER';
const S3RVER_REGION = 'us-east-1';
const READY_LINE = /S3rver listening on ([\d.]+):(\d+)/;

export async function startS3rver(): Promise<Target> {
  const dataDirectory = makeTemporaryDirectory('s3rver-bench-');
  const port = await freePort();
  const server = spawnManaged('s3rver', process.execPath, [
    // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only has in its
    // legacy provider: without this every truncated LIST page answers 500.
    '--openssl-legacy-provider',
    S3RVER_BIN, '--directory', dataDirectory, '--address', '127.0.0.1', '--port', String(port),
    '--silent', '--configure-bucket', BENCH_BUCKET,
  ], { cwd: REPO_ROOT });
  try {
    const match = await server.waitForLine(READY_LINE);
    const origin = `http://127.0.0.1:${match[2]}`;
    const signer = signerFor(origin, { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY, region: S3RVER_REGION });
    return {
      id: 's3rver', label: 's3rver', origin, bucket: BENCH_BUCKET, supportsList: true,
      head: s3RequestHead(signer, BENCH_BUCKET),
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
