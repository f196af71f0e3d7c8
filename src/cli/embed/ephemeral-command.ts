// `cairn server --ephemeral`: startCairn() as a command, for test suites in other languages and
// for startCairn({ childProcess: true }). It prints one JSON line on stdout when it serves —
//   {"endpoint":"http://127.0.0.1:PORT","region":"us-east-1","credentials":{"accessKeyId":"…","secretAccessKey":"…"},"dataDirectory":"…"}
// — answers a line "reset" on stdin with {"reset":"done"} (or {"reset":"failed","message":"…"})
// once every bucket is emptied, and on SIGTERM/SIGINT (or the end of a piped stdin) stops and
// removes its data directory.
import { fstatSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parseListener } from '../listen-address.js';
import { DEFAULT_REGION } from '../server-command.js';
import { startCairn, type RunningCairn } from './start.js';

/** An ephemeral server takes a free port unless told otherwise. */
const EPHEMERAL_ADDRESS = '127.0.0.1:0';
export const RESET_COMMAND = 'reset';

export const EPHEMERAL_HELP = `  server --ephemeral [--address HOST:PORT] [--region REGION] [--bucket NAME]... [--public-buckets] [--accept-any-signature]
                     [--lifecycle-day-seconds N] [--website-domain NAME]...
      A server for tests: a free port (default --address ${EPHEMERAL_ADDRESS}), a temporary data directory removed
      when it stops, generated root credentials (or CAIRN_ACCESS_KEY / CAIRN_SECRET_KEY), the --bucket buckets
      made at start. Prints one JSON line when ready: {"endpoint","region","credentials":{"accessKeyId",
      "secretAccessKey"},"dataDirectory"}. A line "reset" on stdin empties it (every bucket removed, the
      --bucket ones made again) and is answered {"reset":"done"}. Stops on SIGTERM/SIGINT, or when a piped stdin ends.
      --public-buckets (off by default): the --bucket buckets accept requests without credentials (an open public
      access block and a public bucket policy), for clients that cannot sign.
      --accept-any-signature (off by default): S3 requests are accepted whatever their signature's value, for
      clients that sign with made-up credentials; a key Cairn knows acts as its owner, any other as root.
      Log lines go to standard error.
      --website-domain NAME (repeatable): <bucket>.<NAME>[:port] is the bucket's static website.
`;

function writeLine(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/**
 * Resets on each "reset" line of stdin, one at a time, in order. When stdin is a pipe (a parent
 * process: startCairn({ childProcess }), a pytest fixture), its end stops the server, so a parent
 * that dies takes the server along; /dev/null or a terminal does not.
 */
function serveResets(server: RunningCairn, stop: () => void): void {
  let queue = Promise.resolve();
  const input = fstatSync(0);
  const lines = createInterface({ input: process.stdin });
  if (input.isFIFO() || input.isSocket()) lines.on('close', stop);
  lines.on('line', (line) => {
    if (line.trim() !== RESET_COMMAND) return;
    queue = queue.then(() => server.reset().then(
      () => writeLine({ reset: 'done' }),
      (error: unknown) => writeLine({ reset: 'failed', message: error instanceof Error ? error.message : String(error) }),
    ));
  });
}

export async function ephemeralCommand(args: string[]): Promise<number | undefined> {
  const { values } = parseArgs({
    args,
    options: {
      ephemeral: { type: 'boolean' },
      address: { type: 'string', default: EPHEMERAL_ADDRESS },
      region: { type: 'string', default: DEFAULT_REGION },
      bucket: { type: 'string', multiple: true, default: [] },
      'lifecycle-day-seconds': { type: 'string' },
      'public-buckets': { type: 'boolean', default: false },
      'accept-any-signature': { type: 'boolean', default: false },
      'website-domain': { type: 'string', multiple: true, default: [] },
    },
    strict: true,
    allowPositionals: false,
  });
  const listener = parseListener(values.address, false);
  const daySeconds = values['lifecycle-day-seconds'] === undefined ? undefined : Number(values['lifecycle-day-seconds']);
  if (daySeconds !== undefined && !(Number.isInteger(daySeconds) && daySeconds >= 1)) {
    throw new Error(`--lifecycle-day-seconds ${values['lifecycle-day-seconds']}: expected a whole number of seconds, 1 or more`);
  }
  const accessKeyId = process.env['CAIRN_ACCESS_KEY'];
  const secretAccessKey = process.env['CAIRN_SECRET_KEY'];
  const server = await startCairn({
    host: listener.host, port: listener.port, region: values.region, buckets: values.bucket, lifecycleDaySeconds: daySeconds, publicBuckets: values['public-buckets'],
    acceptAnySignature: values['accept-any-signature'], log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
    websiteDomains: values['website-domain'],
    credentials: accessKeyId !== undefined && secretAccessKey !== undefined && accessKeyId !== '' && secretAccessKey !== '' ? { accessKeyId, secretAccessKey } : undefined,
  });
  let stopping = false;
  const stop = (again: 'exit' | 'ignore') => {
    // A second signal exits at once; the exit hook still removes the data directory.
    if (stopping && again === 'exit') process.exit(1);
    if (stopping) return;
    stopping = true;
    void server.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('exit'));
  process.on('SIGINT', () => stop('exit'));
  serveResets(server, () => stop('ignore'));
  writeLine({ endpoint: server.endpoint, region: server.region, credentials: server.credentials, dataDirectory: server.dataDirectory });
  return undefined;
}
