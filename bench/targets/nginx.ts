// nginx with its WebDAV module (PUT, DELETE; GET and HEAD are plain static files) as the floor of
// what this machine does over HTTP without S3 semantics: no auth, no metadata, no index.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'undici';
import { join } from 'node:path';
import { freePort, makeTemporaryDirectory, removeTemporaryDirectory, spawnManaged } from '../processes.js';
import { uriEncode } from '../sigv4-client.js';
import { BENCH_BUCKET, type Target } from './target.js';

const NGINX_WORKER_PROCESSES = 2;
const NGINX_CANDIDATE_PATHS = ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];
const READY_POLL_INTERVAL_MS = 50;
const READY_TIMEOUT_MS = 10_000;
export const NGINX_INSTALL_HINT = 'nginx not found: `apt-get update && apt-get install -y nginx` (Debian\'s nginx has the dav module) to add the nginx column';

export interface NginxBinary {
  path: string;
  version: string;
}

/** The first nginx binary that runs and was built with the dav module, if any. */
export function findNginx(): NginxBinary | undefined {
  for (const candidate of NGINX_CANDIDATE_PATHS) {
    // nginx prints its version and build flags on stderr.
    const probe = spawnSync(candidate, ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const output = `${probe.stdout ?? ''}${probe.stderr ?? ''}`;
    if (probe.status === 0 && output.includes('http_dav_module')) return { path: candidate, version: versionOf(output) };
  }
  return undefined;
}

function versionOf(output: string): string {
  return /nginx version: nginx\/(\S+)/.exec(output)?.[1] ?? 'unknown';
}

function nginxConfig(prefix: string, port: number, root: string): string {
  // nginx -V output from Debian sets absolute temp paths under /var/lib/nginx; keep them in prefix.
  // `user` matters only when the master runs as root: workers then need to write the temp root.
  const runAsRoot = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `${runAsRoot}daemon off;
worker_processes ${NGINX_WORKER_PROCESSES};
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_max_body_size 0;
  client_body_temp_path ${join(prefix, 'client_body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / {
      dav_methods PUT DELETE;
      create_full_put_path on;
    }
  }
}
`;
}

async function waitUntilServing(origin: string, isAlive: () => boolean): Promise<void> {
  const deadlineMs = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await request(`${origin}/`, { method: 'HEAD' });
      await response.body.dump();
      return;
    } catch (error) {
      if (!isAlive() || Date.now() > deadlineMs) throw error;
      await new Promise((resolveWait) => setTimeout(resolveWait, READY_POLL_INTERVAL_MS));
    }
  }
}

export async function startNginx(binary: NginxBinary): Promise<Target> {
  const prefix = makeTemporaryDirectory('nginx-bench-');
  const root = join(prefix, 'root');
  mkdirSync(join(root, BENCH_BUCKET), { recursive: true });
  chmodSync(prefix, 0o755);
  const port = await freePort();
  const configPath = join(prefix, 'nginx.conf');
  writeFileSync(configPath, nginxConfig(prefix, port, root));
  const server = spawnManaged('nginx', binary.path, ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', configPath]);
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(origin, () => server.child.exitCode === null && server.child.signalCode === null);
  } catch (error) {
    await server.stop();
    removeTemporaryDirectory(prefix);
    throw new Error(`nginx did not start: ${error instanceof Error ? error.message : String(error)}\n${server.outputTail()}`);
  }
  const host = `127.0.0.1:${port}`;
  return {
    id: 'nginx', label: `nginx ${binary.version}`, origin, bucket: BENCH_BUCKET, supportsList: false,
    head: (_method, key) => ({ pathAndQuery: `/${BENCH_BUCKET}/${uriEncode(key, true)}`, headers: ['host', host] }),
    async stop() {
      await server.stop();
      removeTemporaryDirectory(prefix);
    },
  };
}
