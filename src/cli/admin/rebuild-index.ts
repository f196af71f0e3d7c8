// `cairn admin rebuild-index`: an OFFLINE command. With the server stopped, it reads every record on
// the drives, builds a new index file from what they describe, and swaps it in for index.db (the
// old one, if any, kept as index.db.bak), or writes it into an empty PostgreSQL database (--index
// postgres://…, rebuild/postgres-target.ts). It never talks to a server, so it takes no --endpoint.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, statSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PostgresIndex } from '../../index/postgres-index.js';
import { SqliteIndex } from '../../index/sqlite-index.js';
import type { Index } from '../../index/types.js';
import { Storage } from '../../storage/index.js';
import { parseIndexOption } from '../index-engine.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION, resolveStorageLocations } from '../server-command.js';
import { CommandFailure, EXIT_SUCCESS, HelpRequested, UsageError, type AdminCommand, type AdminIo } from './command.js';
import { plainLineIntervalMs, ProgressBar } from './progress.js';
import { rebuildInto, type RebuildSummary } from './rebuild/apply.js';
import { RecordCatalog } from './rebuild/catalog.js';
import { assertPostgresIndexEmptyAndIdle, describePostgresUrl } from './rebuild/postgres-target.js';

const INDEX_FILE_NAME = 'index.db';
const REBUILT_SUFFIX = '.rebuild';
const BACKUP_SUFFIX = '.bak';
const SQLITE_SIDE_FILES = ['-wal', '-shm'];
const RECORD_FIXED_HEADER_SIZE_BYTES = 24;

/**
 * Refuses when a process has the index open: a server (or its cluster workers) holds SQLite's
 * shared lock for as long as it runs, so an exclusive lock is only granted when none does.
 */
function assertIndexNotInUse(indexPath: string): void {
  if (!existsSync(indexPath)) return;
  const db = new Database(indexPath, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new CommandFailure(`the index ${indexPath} is in use: stop the server (every process using it) before rebuilding`);
    }
    throw error;
  } finally {
    // The last connection to close checkpoints the WAL into the file and removes -wal and -shm.
    db.close();
  }
}

function volumeBytesOf(drivePaths: string[]): number {
  let totalBytes = 0;
  for (const drivePath of drivePaths) {
    const volumes = join(drivePath, 'volumes');
    if (!existsSync(volumes)) continue;
    for (const name of readdirSync(volumes)) totalBytes += statSync(join(volumes, name)).size;
  }
  return totalBytes;
}

function removeIndexFiles(path: string): void {
  for (const suffix of ['', ...SQLITE_SIDE_FILES]) rmSync(path + suffix, { force: true });
}

/** index.db → index.db.bak (with any leftover -wal/-shm), then the rebuilt file → index.db. */
function swapIn(rebuiltPath: string, indexPath: string, indexDirectory: string): void {
  for (const suffix of ['', ...SQLITE_SIDE_FILES]) {
    // A -wal left beside a missing index.db would be replayed into the new file: move it aside too.
    if (existsSync(indexPath + suffix)) renameSync(indexPath + suffix, indexPath + BACKUP_SUFFIX + suffix);
  }
  renameSync(rebuiltPath, indexPath);
  const directory = openSync(indexDirectory, 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}

function parseRebuildArgs(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true, strict: true,
      options: {
        data: { type: 'string' }, index: { type: 'string' }, 'dry-run': { type: 'boolean', default: false },
        region: { type: 'string', default: DEFAULT_REGION }, 'account-id': { type: 'string', default: DEFAULT_ACCOUNT_ID },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) throw new HelpRequested();
  if (!/^\d{12}$/.test(parsed.values['account-id'])) throw new UsageError(`--account-id ${parsed.values['account-id']}: expected 12 digits`);
  if (parsed.positionals.length === 1) throw new UsageError('an erasure set has 2 or more drives; for one drive use --data DIR');
  if (parsed.positionals.length === 0 && parsed.values.data === undefined) throw new UsageError('expected --data DIR, or the drives DRIVE1 DRIVE2 … (with --index DIR)');
  return parsed;
}

function describeSummary(summary: RebuildSummary, catalog: RecordCatalog): string {
  const { recordsScanned, recordsInvalid, tombstones } = catalog.counts;
  return `${recordsScanned} records scanned (${recordsInvalid} invalid or torn, ${tombstones} tombstones): ` +
    `${summary.buckets} buckets, ${summary.objectVersions} object writes replayed, ${summary.deleteMarkers} delete markers ` +
    `(${summary.multipartObjects} multipart), ${summary.orphanParts} parts of unfinished uploads, ${summary.incompleteManifests} incomplete multipart objects left out\n`;
}

/** Where the rebuilt index goes: a SQLite file swapped in for index.db, or an empty PostgreSQL database. */
interface RebuildTarget {
  /** Refuses when a server uses the index (and, for PostgreSQL, when it is not empty). */
  assertFree(): Promise<void>;
  open(): Promise<Index>;
  /** After the rows are written and the index closed: makes it the index; answers the line to print. */
  finish(): Promise<string>;
  /** Said when the rebuild fails after open. */
  failureNote: string | undefined;
  cleanUp(): void;
}

function sqliteTarget(indexDirectory: string): RebuildTarget {
  const indexPath = join(indexDirectory, INDEX_FILE_NAME);
  const rebuiltPath = indexPath + REBUILT_SUFFIX;
  return {
    assertFree: async () => assertIndexNotInUse(indexPath),
    open: async () => {
      removeIndexFiles(rebuiltPath);
      return SqliteIndex.open(rebuiltPath);
    },
    finish: async () => {
      assertIndexNotInUse(indexPath);
      swapIn(rebuiltPath, indexPath, indexDirectory);
      return `rebuilt ${indexPath}${existsSync(indexPath + BACKUP_SUFFIX) ? ` (the previous one is ${indexPath}${BACKUP_SUFFIX})` : ''}\n`;
    },
    failureNote: undefined,
    cleanUp: () => removeIndexFiles(rebuiltPath),
  };
}

function postgresTarget(url: string): RebuildTarget {
  return {
    assertFree: () => assertPostgresIndexEmptyAndIdle(url),
    open: () => PostgresIndex.open(url),
    finish: async () => `rebuilt the index in ${describePostgresUrl(url)}\n`,
    failureNote: `the database ${describePostgresUrl(url)} may hold part of the rebuilt index: drop and create it, then run rebuild-index again`,
    cleanUp: () => undefined,
  };
}

/** Reads every record on the drives into a catalog, with a progress bar on stderr. */
async function scanDrives(storage: Storage, drivePaths: string[], io: AdminIo): Promise<RecordCatalog> {
  const catalog = new RecordCatalog(drivePaths.length);
  let bytesScanned = 0;
  const progress = new ProgressBar(io.stderr, volumeBytesOf(drivePaths), 'bytes', () => ({
    done: bytesScanned, counters: [{ label: 'records', value: catalog.counts.recordsScanned }],
  }), plainLineIntervalMs(io.env));
  try {
    progress.start();
    for await (const record of storage.scanRecords()) {
      catalog.add(record);
      bytesScanned += RECORD_FIXED_HEADER_SIZE_BYTES + record.headerJsonLengthBytes + record.payloadLengthBytes;
    }
  } finally {
    progress.stop();
  }
  return catalog;
}

async function run(args: string[], io: AdminIo): Promise<number> {
  const { values, positionals } = parseRebuildArgs(args);
  let indexOption: { indexUrl?: string; indexDirectory?: string };
  try {
    indexOption = parseIndexOption(values.index, io.env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const locations = resolveStorageLocations({ dataDirectory: values.data, drives: positionals, indexDirectory: indexOption.indexDirectory });
  const unformatted = locations.drivePaths.filter((drivePath) => !existsSync(join(drivePath, 'format.json')));
  // A set with a lost drive still rebuilds from the others (parity covers the missing shards).
  if (unformatted.length === locations.drivePaths.length || (locations.drivePaths.length === 1 && unformatted.length > 0)) {
    throw new CommandFailure(`${unformatted.join(', ')} ${unformatted.length === 1 ? 'is not a Cairn drive' : 'are not Cairn drives'} (no format.json)`);
  }
  for (const drivePath of unformatted) io.stderr.write(`cairn admin rebuild-index: ${drivePath} is not a Cairn drive (no format.json): rebuilding from the other drives\n`);
  const target = indexOption.indexUrl !== undefined ? postgresTarget(indexOption.indexUrl) : sqliteTarget(locations.indexDirectory);
  await target.assertFree();
  const storage = await Storage.open({ drivePaths: locations.drivePaths, setOpenMode: 'join', logger: (line) => io.stderr.write(`${line}\n`) });
  try {
    const catalog = await scanDrives(storage, locations.drivePaths, io);
    const dryRun = values['dry-run'];
    if (!dryRun) await target.assertFree();
    const index = dryRun ? SqliteIndex.open(':memory:') : await target.open();
    let summary: RebuildSummary;
    try {
      const ownerId = createHash('sha256').update(`cairn:${values['account-id']}:root`).digest('hex');
      summary = await rebuildInto(index, catalog, storage, { region: values.region, ownerId });
    } catch (error) {
      if (!dryRun && target.failureNote !== undefined) io.stderr.write(`cairn admin rebuild-index: ${target.failureNote}\n`);
      throw error;
    } finally {
      await index.close();
    }
    io.stdout.write(describeSummary(summary, catalog));
    if (dryRun) {
      io.stdout.write('dry run: the index was not changed\n');
      return EXIT_SUCCESS;
    }
    io.stdout.write(await target.finish());
    return EXIT_SUCCESS;
  } finally {
    target.cleanUp();
    await storage.close();
  }
}

export const rebuildIndexCommand: AdminCommand = {
  name: 'rebuild-index',
  synopsis: 'rebuild-index (--data DIR | DRIVE1 DRIVE2 … [--index DIR]) [--index postgres://…] [--dry-run]',
  summary: 'Rebuild the index from the records on the drives (OFFLINE: the server must be stopped).',
  offline: true,
  help: `Reads every record of every volume on the drives, rebuilds buckets, objects, their versions and
multipart objects into a new index file, and swaps it in for index.db; an existing index.db is kept as
index.db.bak. The drives are named as for \`cairn server\`: --data DIR, or the drives of an erasure
set (the index in --index DIR, else --data DIR, else DRIVE1/index).

This command does not talk to a server (so, unlike the other admin commands, it takes no --endpoint
and needs no credentials): it opens the drives and the index file itself, and refuses to run while a
server has the index open. What the drives do not record is listed in docs/rebuild-index.md.

With --index postgres://… (or CAIRN_INDEX_URL, as for \`cairn server\`) the index is rebuilt into
that PostgreSQL database, which must be empty (create a new one) and unused by any server; the
rows are written straight in (there is nothing to swap), so after a failed run drop and create it.

options:
  --data DIR          the server's data directory (its drive and index.db)
  --index DIR         where index.db is, with drives given
  --index URL         a postgres:// URL: rebuild into that (empty) PostgreSQL database
  --dry-run           scan and report what would be rebuilt; change nothing
  --region REGION     the region recorded for rebuilt buckets (default ${DEFAULT_REGION})
  --account-id ID     the account that owns rebuilt buckets (default ${DEFAULT_ACCOUNT_ID}; as \`cairn server --account-id\`)`,
  run,
};
