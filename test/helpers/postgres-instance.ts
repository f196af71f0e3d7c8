// PostgreSQL servers a test owns: initdb in a temporary directory, started and stopped with pg_ctl as
// the postgres user (the tests run as root; PostgreSQL refuses to run as root), a synchronous standby
// made with pg_basebackup, promotion, and removal of everything at the end. Tests that need them are
// skipped with a reason when the binaries, root or the postgres user are missing.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { choosePort } from '../../src/cli/listen-address.js';

const run = promisify(execFile);
const PG_LIB = '/usr/lib/postgresql';
/** pg_ctl waits at most this long for a start, stop or promotion. */
const PG_CTL_WAIT_SECONDS = 30;
const POSTGRES_USER = 'postgres';

/** The newest installed PostgreSQL's bin directory, or undefined. */
export function postgresBinDirectory(): string | undefined {
  if (!existsSync(PG_LIB)) return undefined;
  const versions = readdirSync(PG_LIB).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  const found = versions.map((version) => join(PG_LIB, version, 'bin')).find((bin) => existsSync(join(bin, 'pg_ctl')));
  return found;
}

/** Why the test cannot own PostgreSQL servers here, or undefined when it can. */
export function ownedPostgresUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (to run PostgreSQL as the postgres user through runuser)';
  if (postgresBinDirectory() === undefined) return `no PostgreSQL binaries under ${PG_LIB}`;
  if (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) return 'runuser is missing';
  return undefined;
}

async function asPostgres(command: string, args: string[]): Promise<string> {
  const { stdout } = await run('runuser', ['-u', POSTGRES_USER, '--', join(postgresBinDirectory()!, command), ...args], { cwd: '/' });
  return stdout;
}

async function ownerIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', [POSTGRES_USER]);
  const uid = Number(/uid=(\d+)/.exec(stdout)?.[1]);
  const gid = Number(/gid=(\d+)/.exec(stdout)?.[1]);
  return { uid, gid };
}

export class OwnedPostgres {
  private constructor(readonly directory: string, readonly host: string, readonly port: number) {}

  get dataDirectory(): string {
    return join(this.directory, 'data');
  }

  /** A URL for the `postgres` database of this server (trust authentication for the test's users). */
  get url(): string {
    return `postgres://${POSTGRES_USER}@${this.host}:${this.port}/postgres`;
  }

  /** A fresh primary: initdb (trust auth, replication allowed), listening on host:port. */
  static async primary(options: { host?: string; port?: number; listenAddresses?: string } = {}): Promise<OwnedPostgres> {
    const host = options.host ?? '127.0.0.1';
    const server = new OwnedPostgres(await OwnedPostgres.makeDirectory(), host, options.port ?? await choosePort('127.0.0.1'));
    await asPostgres('initdb', ['-D', server.dataDirectory, '-A', 'trust', '-U', POSTGRES_USER, '--no-sync', '-E', 'UTF8', '--locale', 'C.UTF-8']);
    appendFileSync(join(server.dataDirectory, 'postgresql.conf'), [
      `listen_addresses = '${options.listenAddresses ?? host}'`, `port = ${server.port}`, "unix_socket_directories = ''",
      'wal_level = replica', 'max_wal_senders = 5', 'hot_standby = on', 'fsync = on', 'synchronous_commit = on', 'shared_buffers = 32MB', '',
    ].join('\n'));
    appendFileSync(join(server.dataDirectory, 'pg_hba.conf'), 'host all all 0.0.0.0/0 trust\nhost replication all 0.0.0.0/0 trust\n');
    return server;
  }

  /** A standby of `primary` (which must be running), streaming from it; the primary waits for it on every commit. */
  static async synchronousStandbyOf(primary: OwnedPostgres, options: { port?: number } = {}): Promise<OwnedPostgres> {
    const standby = new OwnedPostgres(await OwnedPostgres.makeDirectory(), primary.host, options.port ?? await choosePort('127.0.0.1'));
    await asPostgres('pg_basebackup', ['-h', primary.host, '-p', String(primary.port), '-U', POSTGRES_USER, '-D', standby.dataDirectory, '-R', '-X', 'stream', '--no-sync']);
    appendFileSync(join(standby.dataDirectory, 'postgresql.conf'), `port = ${standby.port}\n`);
    // pg_basebackup -R wrote primary_conninfo to postgresql.auto.conf; this later line names the standby for synchronous_standby_names.
    appendFileSync(join(standby.dataDirectory, 'postgresql.auto.conf'), `primary_conninfo = 'host=${primary.host} port=${primary.port} user=${POSTGRES_USER} application_name=standby1'\n`);
    // The primary acknowledges a commit only once the standby has it on disk (synchronous_commit=on).
    appendFileSync(join(primary.dataDirectory, 'postgresql.conf'), "synchronous_standby_names = 'FIRST 1 (standby1)'\n");
    await asPostgres('pg_ctl', ['-D', primary.dataDirectory, 'reload']);
    return standby;
  }

  private static async makeDirectory(): Promise<string> {
    const directory = mkdtempSync(join(tmpdir(), 'cairn-pg-'));
    const { uid, gid } = await ownerIds();
    chownSync(directory, uid, gid);
    writeFileSync(join(directory, 'README'), 'A PostgreSQL server owned by a Cairn test; removed when the test ends.\n');
    return directory;
  }

  async start(): Promise<void> {
    await asPostgres('pg_ctl', ['-D', this.dataDirectory, '-l', join(this.directory, 'server.log'), '-w', '-t', String(PG_CTL_WAIT_SECONDS), 'start']);
  }

  /** Stops the server: `fast` ends sessions cleanly, `immediate` is a crash (as kill -9 of the postmaster). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await asPostgres('pg_ctl', ['-D', this.dataDirectory, '-m', mode, '-w', '-t', String(PG_CTL_WAIT_SECONDS), 'stop']);
  }

  async promote(): Promise<void> {
    await asPostgres('pg_ctl', ['-D', this.dataDirectory, '-w', '-t', String(PG_CTL_WAIT_SECONDS), 'promote']);
  }

  /** Stops the server if it runs and removes its directory. */
  async dispose(): Promise<void> {
    if (existsSync(join(this.dataDirectory, 'postmaster.pid'))) await this.stop('immediate').catch(() => undefined);
    rmSync(this.directory, { recursive: true, force: true });
  }
}
