// Where AWS Backup's records live: JSON files under <data>/backup/<collection>/, one per record,
// written whole to a temporary file, fsynced, and renamed (the directory fsynced after), so a reader
// (any worker) never sees half a record and a record written survives a crash or power loss.
// A record is made at most once (`create`: linked into place, which fails if it exists), and
// changed by compare-and-set (`update`: read, decide and write under the record's lock file), so a
// StopBackupJob in one worker and the runner in another cannot both win a job's state.
// The objects a recovery point holds are in the index (backup-index.ts); this is their catalog.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupJobRecord, CopyJobRecord, PlanRecord, RecoveryPointRecord, RestoreJobRecord, SelectionRecord, VaultRecord } from './records.js';

const RECORD_FILE_SIZE_BYTES_MAX = 1024 * 1024;
/** Record ids are file names: letters, digits and - _ . only (vault names are checked to be so). */
const FILE_SAFE_ID = /^[A-Za-z0-9_.-]{1,200}$/;
/** How long `update` waits for a record's lock before it gives up. */
const LOCK_WAIT_MS_MAX = 10_000;
const LOCK_RETRY_MS = 5;
/**
 * A lock file older than this was left by a process that died holding it (a holder keeps it for one
 * read and one rename, milliseconds): it is broken. Two processes breaking the same stale lock at the
 * same moment is the one race left, and it needs a crash first.
 */
const LOCK_STALE_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/** One collection of records by id. */
export class Collection<T extends object> {
  constructor(private readonly directory: string) {}

  async get(id: string): Promise<T | undefined> {
    if (!FILE_SAFE_ID.test(id) || id.startsWith('.')) return undefined;
    try {
      const text = await fs.readFile(join(this.directory, `${id}.json`), 'utf8');
      if (text.length > RECORD_FILE_SIZE_BYTES_MAX) throw new Error(`backup record ${id} is larger than ${RECORD_FILE_SIZE_BYTES_MAX} bytes`);
      return JSON.parse(text) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(id: string, value: T): Promise<void> {
    const path = this.pathOf(id);
    const temporary = await this.writeTemporary(path, value);
    await fs.rename(temporary, path);
    await this.syncDirectory();
  }

  /** Writes the record unless one with this id exists; whether it did. */
  async create(id: string, value: T): Promise<boolean> {
    const path = this.pathOf(id);
    const temporary = await this.writeTemporary(path, value);
    try {
      await fs.link(temporary, path);
      await this.syncDirectory();
      return true;
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      throw error;
    } finally {
      await fs.rm(temporary, { force: true });
    }
  }

  /**
   * Compare-and-set: under the record's lock, `change` sees the stored record and answers its next
   * value, or undefined to leave it as it is. The record as stored afterwards, and whether it changed.
   */
  async update(id: string, change: (current: T | undefined) => Promise<T | undefined> | T | undefined): Promise<{ value: T | undefined; changed: boolean }> {
    const lockPath = `${this.pathOf(id)}.lock`;
    await this.lock(lockPath);
    try {
      const current = await this.get(id);
      const next = await change(current);
      if (next === undefined) return { value: current, changed: false };
      await this.put(id, next);
      return { value: next, changed: true };
    } finally {
      await fs.rm(lockPath, { force: true });
    }
  }

  private async lock(lockPath: string): Promise<void> {
    await fs.mkdir(this.directory, { recursive: true });
    const deadline = Date.now() + LOCK_WAIT_MS_MAX;
    for (;;) {
      try {
        await (await fs.open(lockPath, 'wx', 0o600)).close();
        return;
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
      }
      const stat = await fs.stat(lockPath).catch(() => undefined);
      if (stat !== undefined && Date.now() - stat.mtimeMs > LOCK_STALE_MS) await fs.rm(lockPath, { force: true });
      if (Date.now() > deadline) throw new Error(`backup record lock ${lockPath} still held after ${LOCK_WAIT_MS_MAX} ms`);
      await sleep(LOCK_RETRY_MS);
    }
  }

  private pathOf(id: string): string {
    if (!FILE_SAFE_ID.test(id) || id.startsWith('.')) throw new Error(`not a record id: ${id}`);
    return join(this.directory, `${id}.json`);
  }

  private async writeTemporary(path: string, value: T): Promise<string> {
    await fs.mkdir(this.directory, { recursive: true });
    const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const file = await fs.open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(JSON.stringify(value));
      // The bytes are on disk before the name points at them: a crash leaves the old record or the new one, never an empty file.
      await file.sync();
    } finally {
      await file.close();
    }
    return temporary;
  }

  /** Makes a rename or link in the collection's directory durable. */
  private async syncDirectory(): Promise<void> {
    const directory = await fs.open(this.directory, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  async delete(id: string): Promise<void> {
    if (FILE_SAFE_ID.test(id) && !id.startsWith('.')) await fs.rm(join(this.directory, `${id}.json`), { force: true });
  }

  async list(): Promise<T[]> {
    let names: string[];
    try {
      names = (await fs.readdir(this.directory)).filter((name) => name.endsWith('.json'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records = await Promise.all(names.map((name) => this.get(name.slice(0, -'.json'.length))));
    return records.filter((record): record is Awaited<T> => record !== undefined) as T[];
  }
}

export class BackupStore {
  readonly vaults: Collection<VaultRecord>;
  readonly recoveryPoints: Collection<RecoveryPointRecord>;
  readonly backupJobs: Collection<BackupJobRecord>;
  readonly restoreJobs: Collection<RestoreJobRecord>;
  readonly copyJobs: Collection<CopyJobRecord>;
  readonly plans: Collection<PlanRecord>;
  readonly selections: Collection<SelectionRecord>;
  readonly frameworks: Collection<Record<string, unknown> & { name: string }>;
  readonly reportPlans: Collection<Record<string, unknown> & { name: string }>;
  readonly reportJobs: Collection<Record<string, unknown> & { id: string }>;

  constructor(readonly directory: string) {
    const collection = <T extends object>(name: string) => new Collection<T>(join(directory, name));
    this.vaults = collection('vaults');
    this.recoveryPoints = collection('recovery-points');
    this.backupJobs = collection('backup-jobs');
    this.restoreJobs = collection('restore-jobs');
    this.copyJobs = collection('copy-jobs');
    this.plans = collection('plans');
    this.selections = collection('selections');
    this.frameworks = collection('frameworks');
    this.reportPlans = collection('report-plans');
    this.reportJobs = collection('report-jobs');
  }

  static forDataDirectory(dataDirectory: string): BackupStore {
    return new BackupStore(join(dataDirectory, 'backup'));
  }
}

const uuidOf = (hex: string): string => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;

/** The same id for the same parts (a scheduled run's job, the copies of a job), so making it twice makes it once. */
export function derivedUuid(...parts: Array<string | number>): string {
  return uuidOf(createHash('sha256').update(JSON.stringify(parts)).digest('hex'));
}

/** A new id: 32 hex digits in AWS's 8-4-4-4-12 form (job ids), or plain (recovery point ids). */
export function newUuid(): string {
  return uuidOf(randomBytes(16).toString('hex'));
}
