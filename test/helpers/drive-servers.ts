// Drive servers (`cairn drive serve`) as real child processes for tests: started on a port (0: any),
// possibly through a launcher (a network namespace), killed with SIGKILL, restarted on the same port
// so the drives' URLs stay the same.
import { spawn, type ChildProcess } from 'node:child_process';
import { CAIRN_BIN } from './server.js';

export const TEST_CLUSTER_SECRET = 'a-cluster-secret-for-tests';
const START_TIMEOUT_MS = 20_000;

export interface DriveServerProcess {
  child: ChildProcess;
  baseUrl: string;
  port: number;
  output: () => string;
  /** Resolves with the exit code when the process exits. */
  exited: Promise<number | null>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

export interface DriveServeOptions {
  /** The address to listen on (default 127.0.0.1). */
  host?: string;
  port?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
  /** A command that runs node in its place, e.g. `ip netns exec NAME` (it must exec node, keeping the pid). */
  launcher?: string[];
}

export async function serveDrives(directories: string[], options: DriveServeOptions = {}): Promise<DriveServerProcess> {
  const args = [CAIRN_BIN, 'drive', 'serve', ...directories, '--address', `${options.host ?? '127.0.0.1'}:${options.port ?? 0}`, ...(options.extraArgs ?? [])];
  const [command, ...launcherArgs] = [...(options.launcher ?? []), process.execPath];
  const env = { ...process.env, CAIRN_CLUSTER_SECRET: TEST_CLUSTER_SECRET, ...options.env };
  const child = spawn(command!, [...launcherArgs, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`drive server did not start\n${output}`)), START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /drive server on (http:\/\/[^:]+:\d+):/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`drive server exited with ${code}\n${output}`)));
  });
  return {
    child, baseUrl, port: Number(new URL(baseUrl).port), output: () => output, exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
