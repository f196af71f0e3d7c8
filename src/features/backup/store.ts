// Where AWS Backup's records live: JSON files under <data>/backup/<collection>/, one per record,
// written whole to a temporary file and renamed, so a reader (any worker) never sees half a record.
// The objects a recovery point holds are in the index (backup-index.ts); this is their catalog.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupJobRecord, CopyJobRecord, PlanRecord, RecoveryPointRecord, RestoreJobRecord, SelectionRecord, VaultRecord } from './records.js';

const RECORD_FILE_SIZE_BYTES_MAX = 1024 * 1024;
/** Record ids are file names: letters, digits and - _ . only (vault names are checked to be so). */
const FILE_SAFE_ID = /^[A-Za-z0-9_.-]{1,200}$/;

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
    if (!FILE_SAFE_ID.test(id) || id.startsWith('.')) throw new Error(`not a record id: ${id}`);
    await fs.mkdir(this.directory, { recursive: true });
    const path = join(this.directory, `${id}.json`);
    const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(temporary, JSON.stringify(value), { mode: 0o600 });
    await fs.rename(temporary, path);
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

/** A new id: 32 hex digits in AWS's 8-4-4-4-12 form (job ids), or plain (recovery point ids). */
export function newUuid(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
