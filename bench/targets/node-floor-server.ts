// The Node floor: what node:http itself does on this machine with nginx's WebDAV work and nothing
// of S3's — PUT writes a temp file and renames it (no fsync), GET reads the file and answers it
// in one write, HEAD stats it, DELETE unlinks it; no authentication, checksums or index. Workers
// as Cairn runs them (node:cluster, connections handed round-robin). Not part of the server.
//
//   node dist/bench/targets/node-floor-server.js --root DIR --port P [--workers N]
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';

const argument = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] ?? fallback : fallback;
};
const ROOT = argument('root', '');
const PORT = Number(argument('port', '0'));
const WORKERS = Number(argument('workers', '2'));
const HTTP_NOT_FOUND = 404;

/** The request path's last segment names the file (keys are flat in the bench). */
function pathOf(req: IncomingMessage): string {
  const path = (req.url ?? '/').split('?')[0]!;
  return join(ROOT, encodeURIComponent(decodeURIComponent(path.slice(path.lastIndexOf('/') + 1))));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = pathOf(req);
  try {
    if (req.method === 'PUT') {
      const body = await readBody(req);
      const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temporary, body);
      await rename(temporary, path);
      res.statusCode = 201;
      res.end();
    } else if (req.method === 'GET') {
      const body = await readFile(path);
      res.setHeader('Content-Length', body.length);
      res.end(body);
    } else if (req.method === 'HEAD') {
      const stats = await stat(path);
      res.setHeader('Content-Length', stats.size);
      res.end();
    } else if (req.method === 'DELETE') {
      await unlink(path);
      res.statusCode = 204;
      res.end();
    } else {
      res.statusCode = 405;
      res.end();
    }
  } catch {
    if (!res.headersSent) res.statusCode = HTTP_NOT_FOUND;
    res.end();
  }
}

if (cluster.isPrimary && WORKERS > 1) {
  cluster.schedulingPolicy = cluster.SCHED_RR;
  let listening = 0;
  for (let index = 0; index < WORKERS; index++) {
    cluster.fork().on('listening', () => {
      listening += 1;
      if (listening === WORKERS) console.log(`node floor listening on http://127.0.0.1:${PORT}`);
    });
  }
} else {
  createServer({ keepAlive: true }, (req, res) => { void answer(req, res); }).listen(PORT, '127.0.0.1', () => {
    if (WORKERS <= 1) console.log(`node floor listening on http://127.0.0.1:${PORT}`);
  });
}
