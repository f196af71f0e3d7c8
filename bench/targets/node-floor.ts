// The Node floor as a bench target: node-floor-server.ts (node:http doing nginx's WebDAV work, no
// S3) with as many workers as Cairn's default. Beside nginx it says how much of the machine's HTTP
// rate any Node server keeps; beside Cairn, what S3's work costs on top of node:http.
import { join } from 'node:path';
import { DIST_BENCH_DIRECTORY } from '../paths.js';
import { freePort, makeTemporaryDirectory, removeTemporaryDirectory, spawnManaged } from '../processes.js';
import { uriEncode } from '../sigv4-client.js';
import { BENCH_BUCKET, type Target } from './target.js';

const READY_LINE = /node floor listening on (http:\/\/\S+)/;

export async function startNodeFloor(workers: number): Promise<Target> {
  const root = makeTemporaryDirectory('node-floor-bench-');
  const port = await freePort();
  const server = spawnManaged('node floor', process.execPath,
    [join(DIST_BENCH_DIRECTORY, 'targets', 'node-floor-server.js'), '--root', root, '--port', String(port), '--workers', String(workers)]);
  try {
    await server.waitForLine(READY_LINE);
  } catch (error) {
    await server.stop();
    removeTemporaryDirectory(root);
    throw error;
  }
  const host = `127.0.0.1:${port}`;
  return {
    id: 'node', label: `Node floor w${workers}`, origin: `http://${host}`, bucket: BENCH_BUCKET, supportsList: false,
    head: (_method, key) => ({ pathAndQuery: `/${BENCH_BUCKET}/${uriEncode(key, true)}`, headers: ['host', host] }),
    async stop() {
      await server.stop();
      removeTemporaryDirectory(root);
    },
  };
}
