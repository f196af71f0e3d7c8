// Child servers of the benchmark: every one is spawned in its own process group and registered
// here, so that however the run ends (normal exit, an exception, Ctrl-C) the whole group — a server
// and any workers it forked — is killed and the temporary directories made here are removed.
// Also: free loopback ports and waiting for a ready line.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { choosePort } from '../src/cli/listen-address.js';

const STOP_GRACE_MS = 5_000;
const READY_TIMEOUT_MS = 30_000;
/** Last output kept per child, shown when it fails to start or dies. */
const OUTPUT_TAIL_CHARS = 4_000;

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the first stdout/stderr match of the ready pattern. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The tail of everything the child printed. */
  outputTail(): string;
  /** SIGTERM to the process group, SIGKILL after a grace period; resolves when it has exited. */
  stop(): Promise<void>;
}

const running = new Set<ManagedProcess>();
const temporaryDirectories = new Set<string>();
let cleanupInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try { child.kill(signal); } catch { /* already gone */ }
  }
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => {
    for (const managed of running) killGroup(managed.child, 'SIGKILL');
    for (const directory of temporaryDirectories) rmSync(directory, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal}: stopping ${running.size} server process(es)\n`);
      for (const managed of running) killGroup(managed.child, 'SIGKILL');
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`uncaught: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

export function spawnManaged(name: string, command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
  installCleanup();
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let exited = false;
  const exitPromise = new Promise<void>((resolveExit) => {
    child.once('exit', () => { exited = true; resolveExit(); });
    child.once('error', () => { exited = true; resolveExit(); });
  });
  const lineListeners = new Set<(text: string) => void>();
  const onOutput = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-OUTPUT_TAIL_CHARS);
    for (const listener of lineListeners) listener(tail);
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);

  const managed: ManagedProcess = {
    name,
    child,
    outputTail: () => tail,
    waitForLine(pattern, timeoutMs = READY_TIMEOUT_MS) {
      return new Promise((resolveMatch, reject) => {
        const finish = (error: Error | undefined, match?: RegExpMatchArray): void => {
          clearTimeout(timer);
          lineListeners.delete(check);
          child.off('exit', onExit);
          if (error) reject(error); else resolveMatch(match!);
        };
        const check = (text: string): void => {
          const match = pattern.exec(text);
          if (match) finish(undefined, match);
        };
        const onExit = (code: number | null, signal: string | null): void => {
          finish(new Error(`${name} exited (${signal ?? code}) before it was ready:\n${tail}`));
        };
        const timer = setTimeout(() => finish(new Error(`${name} not ready after ${timeoutMs} ms:\n${tail}`)), timeoutMs);
        lineListeners.add(check);
        child.on('exit', onExit);
        check(tail);
      });
    },
    async stop() {
      if (!exited) {
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
        await exitPromise;
        clearTimeout(timer);
      }
      // Workers a server forked may outlive their parent; the group is ours, so clear it.
      killGroup(child, 'SIGKILL');
      running.delete(managed);
    },
  };
  running.add(managed);
  return managed;
}

/** A fresh directory under the system temp directory, removed by `removeTemporaryDirectory` or at exit. */
export function makeTemporaryDirectory(prefix: string): string {
  installCleanup();
  const directory = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirectories.add(directory);
  return directory;
}

export function removeTemporaryDirectory(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
  temporaryDirectories.delete(directory);
}

/**
 * A free loopback port (for servers that cannot listen on port 0 and report it), chosen as a Cairn
 * cluster chooses its own: below the ephemeral range, so no outgoing connection takes it first.
 */
export function freePort(): Promise<number> {
  return choosePort('127.0.0.1');
}
