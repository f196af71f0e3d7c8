// Starts a real Cairn server process (the `cairn` command) on a free port for a test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, dropTestDatabase, testIndexIsPostgres } from './postgres.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const CAIRN_BIN = join(REPO_ROOT, 'bin', 'cairn.js');
export const TEST_ACCESS_KEY = 'CAIRNTESTACCESSKEY01';
export const TEST_SECRET_KEY = 'cairn-test-secret-key-0123456789abcdefghij';
export const TEST_REGION = 'us-east-1';
const STARTUP_TIMEOUT_MS = 20_000;

export interface RunningServer {
  endpoint: string;
  port: number;
  dataDirectory: string;
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code when the process exits. */
  exited: Promise<number | null>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Stops the server and removes its data directory. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  dataDirectory?: string;
  address?: string;
  extraArgs?: string[];
  /** Environment overrides; by default the test credentials are set. */
  env?: Record<string, string | undefined>;
  /** A command that runs node in its place, e.g. `ip netns exec NAME` (it must exec node, keeping the pid). */
  launcher?: string[];
}

/** With CAIRN_TEST_INDEX=postgres: each data directory's database, so a restarted server finds its index again. */
const testDatabases = new Map<string, string>();

/** The --index arguments of a test server: a PostgreSQL database of its own when the suite runs on PostgreSQL. */
async function indexArgs(dataDirectory: string, options: StartOptions): Promise<string[]> {
  if (!testIndexIsPostgres() || (options.extraArgs ?? []).includes('--index') || options.env?.['CAIRN_INDEX_URL'] !== undefined) return [];
  let url = testDatabases.get(dataDirectory);
  if (url === undefined) {
    if (testDatabases.size === 0) process.once('beforeExit', () => void dropLeftDatabases());
    url = await createTestDatabase();
    testDatabases.set(dataDirectory, url);
  }
  return ['--index', url];
}

/** When the test file is done: drops the databases of servers its tests stopped but never disposed. */
async function dropLeftDatabases(): Promise<void> {
  for (const dataDirectory of [...testDatabases.keys()]) await dropDatabaseOf(dataDirectory).catch(() => undefined);
}

async function dropDatabaseOf(dataDirectory: string): Promise<void> {
  const url = testDatabases.get(dataDirectory);
  if (url === undefined) return;
  testDatabases.delete(dataDirectory);
  await dropTestDatabase(url);
}

/**
 * Throws away the index of a stopped server's data directory, as a lost index would be (SQLite:
 * index.db and its -wal and -shm; PostgreSQL: its database, replaced by a new empty one that the
 * next startServer uses); answers the arguments that point `cairn admin rebuild-index` at it.
 */
export async function discardIndexOf(dataDirectory: string): Promise<string[]> {
  const url = testDatabases.get(dataDirectory);
  if (url === undefined) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDirectory, `index.db${suffix}`), { force: true });
    return ['--data', dataDirectory];
  }
  await dropDatabaseOf(dataDirectory);
  const emptyUrl = await createTestDatabase();
  testDatabases.set(dataDirectory, emptyUrl);
  return ['--data', dataDirectory, '--index', emptyUrl];
}

/** SIGKILL to a server's process group: the primary and its cluster workers. */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

export function temporaryDirectory(label: string): string {
  return mkdtempSync(join(tmpdir(), `cairn-${label}-`));
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const dataDirectory = options.dataDirectory ?? temporaryDirectory('data');
  const env: Record<string, string | undefined> = {
    ...process.env,
    CAIRN_ACCESS_KEY: TEST_ACCESS_KEY,
    CAIRN_SECRET_KEY: TEST_SECRET_KEY,
    ...options.env,
  };
  for (const name of Object.keys(env)) if (env[name] === undefined) delete env[name];
  const args = [CAIRN_BIN, 'server', '--address', options.address ?? '127.0.0.1:0', '--data', dataDirectory, ...await indexArgs(dataDirectory, options), ...(options.extraArgs ?? [])];
  // Its own process group, so kill() takes the cluster workers down with the primary, as kill -9 of a
  // machine's server would.
  const [command, ...launcherArgs] = [...(options.launcher ?? []), process.execPath];
  const child = spawn(command!, [...launcherArgs, ...args], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdoutText = '';
  let stderrText = '';
  child.stdout!.on('data', (chunk) => { stdoutText += chunk; });
  child.stderr!.on('data', (chunk) => { stderrText += chunk; });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  const endpoint = await new Promise<string>((resolveEndpoint, rejectEndpoint) => {
    // A server that misses its start is killed with its workers (its process group), so it does not
    // outlive the test, hold its port or keep the test runner waiting.
    const timer = setTimeout(() => {
      killGroup(child);
      rejectEndpoint(new Error(`server did not start in time\n${stdoutText}\n${stderrText}`));
    }, STARTUP_TIMEOUT_MS);
    const check = () => {
      const match = /endpoint\s+(https?:\/\/\S+)/.exec(stdoutText);
      if (match !== null) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolveEndpoint(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rejectEndpoint(new Error(`server exited with ${code} before starting\n${stdoutText}\n${stderrText}`));
    });
  });

  const server: RunningServer = {
    endpoint,
    port: Number(new URL(endpoint).port),
    dataDirectory,
    process: child,
    stdout: () => stdoutText,
    stderr: () => stderrText,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      killGroup(child);
      await exited;
    },
    async dispose() {
      await server.kill();
      rmSync(dataDirectory, { recursive: true, force: true });
      await dropDatabaseOf(dataDirectory);
    },
  };
  return server;
}
