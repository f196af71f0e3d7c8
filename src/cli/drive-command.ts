// `cairn drive serve DIR… --address HOST:PORT --cluster-secret SECRET [--index postgres://…]`: serves
// local drive directories to the cluster (storage/remote/drive-server.ts) until SIGTERM or SIGINT. The
// secret may come from CAIRN_CLUSTER_SECRET instead, so it stays out of the process list. With the
// cluster's PostgreSQL index (--index or CAIRN_INDEX_URL) the server joins the host registry as a
// drive-server host, a target of FIS's cairn:host:* actions (cli/host-membership.ts).
import { parseArgs } from 'node:util';
import { startDriveServer } from '../storage/remote/drive-server.js';
import { CLUSTER_SECRET_CHARS_MIN } from '../storage/remote/protocol.js';
import { joinClusterHosts } from './host-membership.js';
import { parseAddress } from './listen-address.js';
import { VOLUME_SIZE_BYTES_MAX, VOLUME_SIZE_BYTES_MIN } from '../storage/constants.js';

const MIB = 1024 * 1024;
const VOLUME_SIZE_BYTES_MIN_MIB = Math.ceil(VOLUME_SIZE_BYTES_MIN / MIB);

export const DRIVE_HELP = `usage: cairn drive serve DIR... --address HOST:PORT [--cluster-secret SECRET] [--volume-size MiB] [--index postgres://…]

Serves the drive directories to a cluster: each as http://HOST:PORT/NAME (NAME: the directory's
name), for appends (durable, group commit), verified record reads and volume listings. Every request
must be signed with the cluster secret (--cluster-secret, or CAIRN_CLUSTER_SECRET; at least
${CLUSTER_SECRET_CHARS_MIN} characters). Empty directories stay empty until a server formats them as
members of its erasure set. Each front-end process appends to volumes of its own; volume files roll
over at --volume-size MiB (default ${VOLUME_SIZE_BYTES_MAX / MIB}, at least ${VOLUME_SIZE_BYTES_MIN_MIB}).
With --index postgres://… (or CAIRN_INDEX_URL), the cluster's PostgreSQL index, the server registers
as a host (role drive-server; id CAIRN_HOST_ID, default MACHINE:PORT) and obeys FIS's cairn:host:stop
and cairn:host:disrupt-connectivity; the registry's tables are made by the first front end's start.
`;


const EXIT_USAGE = 2;

function fail(message: string): number {
  process.stderr.write(`cairn drive: ${message}\n\n${DRIVE_HELP}`);
  return EXIT_USAGE;
}

export async function driveCommand(args: string[]): Promise<number | undefined> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { address: { type: 'string' }, 'cluster-secret': { type: 'string' }, 'volume-size': { type: 'string' }, index: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    return fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(DRIVE_HELP);
    return 0;
  }
  const [sub, ...directories] = positionals;
  if (sub !== 'serve') return fail(sub === undefined ? 'expected serve' : `unknown drive command '${sub}'`);
  if (directories.length === 0) return fail('expected at least one drive directory');
  if (values.address === undefined) return fail('--address HOST:PORT is required');
  const secret = values['cluster-secret'] ?? process.env['CAIRN_CLUSTER_SECRET'];
  if (secret === undefined || secret.length < CLUSTER_SECRET_CHARS_MIN) return fail(`a cluster secret of at least ${CLUSTER_SECRET_CHARS_MIN} characters is required`);
  const volumeSizeMib = Number(values['volume-size'] ?? VOLUME_SIZE_BYTES_MAX / MIB);
  if (!Number.isInteger(volumeSizeMib) || volumeSizeMib < VOLUME_SIZE_BYTES_MIN_MIB || volumeSizeMib * MIB > VOLUME_SIZE_BYTES_MAX) {
    return fail(`--volume-size ${values['volume-size']}: expected whole MiB from ${VOLUME_SIZE_BYTES_MIN_MIB} to ${VOLUME_SIZE_BYTES_MAX / MIB}`);
  }
  let address;
  try {
    address = parseAddress(values.address);
  } catch (error) {
    return fail((error as Error).message);
  }
  const indexUrl = values.index ?? (process.env['CAIRN_INDEX_URL'] || undefined);
  if (indexUrl !== undefined && !/^postgres(ql)?:\/\//.test(indexUrl)) return fail(`--index ${indexUrl}: a drive server joins the host registry of a postgres://… index only`);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const server = await startDriveServer({ directories, ...address, secret, log, volumeSizeBytesMax: volumeSizeMib * MIB });
  let member;
  try {
    member = joinClusterHosts({ indexUrl, listeners: [address] }, { role: 'drive-server', addresses: [server.address], disruptConnections: (untilMs) => server.disruptUntil(untilMs), log });
  } catch (error) {
    await server.close();
    return fail((error as Error).message);
  }
  process.stdout.write(`cairn drive server on http://${server.address.address}:${server.address.port}: ${server.drives.map((name) => `/${name}`).join(' ')}\n`);
  if (member !== undefined) log(`drive server: host ${member.hostId} in the cluster's host registry`);
  const stop = (): void => {
    void (member?.stop() ?? Promise.resolve()).catch(() => undefined).then(() => server.close()).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return undefined;
}
