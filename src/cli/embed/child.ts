// startCairn({ childProcess: true }): the same ephemeral server in a child process (`cairn server
// --ephemeral`), for suites that want the server's CPU, crashes or logs out of the test process.
// Ready is its JSON line on stdout; reset() is a "reset" line on its stdin, answered by a line.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CairnCredentials, RunningCairn, StartCairnOptions } from './start.js';

/** bin/cairn.js, from dist/src/cli/embed/. */
const CAIRN_BIN = join(import.meta.dirname, '..', '..', '..', '..', 'bin', 'cairn.js');
const CHILD_READY_TIMEOUT_MS = 30_000;

interface ReadyLine {
  endpoint: string;
  region: string;
  credentials: CairnCredentials;
  dataDirectory: string;
}

function commandLine(options: StartCairnOptions): string[] {
  const args = [CAIRN_BIN, 'server', '--ephemeral', '--address', `${options.host ?? '127.0.0.1'}:${options.port ?? 0}`];
  if (options.region !== undefined) args.push('--region', options.region);
  for (const bucket of options.buckets ?? []) args.push('--bucket', bucket);
  if (options.publicBuckets === true) args.push('--public-buckets');
  if (options.acceptAnySignature === true) args.push('--accept-any-signature');
  if (options.lifecycleDaySeconds !== undefined) args.push('--lifecycle-day-seconds', String(options.lifecycleDaySeconds));
  for (const domain of options.websiteDomains ?? []) args.push('--website-domain', domain);
  return args;
}

export async function startCairnProcess(options: StartCairnOptions): Promise<RunningCairn> {
  const env = { ...process.env };
  if (options.credentials !== undefined) {
    env['CAIRN_ACCESS_KEY'] = options.credentials.accessKeyId;
    env['CAIRN_SECRET_KEY'] = options.credentials.secretAccessKey;
  }
  const child = spawn(process.execPath, commandLine(options), { env, stdio: ['pipe', 'pipe', 'pipe'] });
  // The server's log lines go where the in-process server's would: to options.log, or nowhere.
  const logLines = createInterface({ input: child.stderr });
  logLines.on('line', (line) => options.log?.(line));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise<string>((resolveLine, rejectLine) => {
    waiting.push(resolveLine);
    void exited.then(() => rejectLine(new Error('cairn server --ephemeral exited')));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_READY_TIMEOUT_MS);
  let ready: ReadyLine;
  try {
    ready = JSON.parse(await nextLine()) as ReadyLine;
  } finally {
    clearTimeout(timer);
  }
  let resets = Promise.resolve();
  return {
    ...ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    reset() {
      // One failed reset must not fail the ones after it.
      resets = resets.catch(() => undefined).then(async () => {
        const answer = nextLine();
        child.stdin.write('reset\n');
        const outcome = JSON.parse(await answer) as { reset: string; message?: string };
        if (outcome.reset !== 'done') throw new Error(outcome.message ?? 'reset failed');
      });
      return resets;
    },
  };
}
