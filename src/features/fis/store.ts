// Where FIS templates and experiments live: JSON files under <data>/fis/, written whole to a
// temporary file and renamed, so a reader (any worker) never sees half a record. A stop request is a
// file of its own beside its experiment, so the API (any worker) and the runner (one process) never
// write the same file.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { StopCondition } from './stop-conditions.js';
import type { TemplateAction, TemplateBody, TemplateTarget } from './templates.js';

export const TEMPLATES_MAX = 100;
/** Finished experiments beyond this many are forgotten, oldest first. */
export const FINISHED_EXPERIMENTS_KEPT_MAX = 200;
const RECORD_FILE_SIZE_BYTES_MAX = 256 * 1024;
const ID_RANDOM_CHARS = 15;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ID_PATTERN = /^EX[TP][A-Za-z0-9]{15}$/;

export type ExperimentStatus = 'pending' | 'initiating' | 'running' | 'completed' | 'stopping' | 'stopped' | 'failed' | 'cancelled';
export type ActionStatus = 'pending' | 'initiating' | 'running' | 'completed' | 'cancelled' | 'stopping' | 'stopped' | 'failed' | 'skipped';
export const FINAL_EXPERIMENT_STATUSES: readonly ExperimentStatus[] = ['completed', 'stopped', 'failed', 'cancelled'];

export interface StoredTemplate {
  id: string;
  body: TemplateBody;
  creationTimeMs: number;
  lastUpdateTimeMs: number;
  tags: Record<string, string>;
  clientToken: string;
}

export interface ExperimentActionRecord extends TemplateAction {
  status: ActionStatus;
  reason?: string;
  startTimeMs?: number;
  endTimeMs?: number;
  /** When a running action is done (its duration from its start). */
  deadlineMs?: number;
}

export interface StoredExperiment {
  id: string;
  experimentTemplateId: string;
  roleArn: string;
  status: ExperimentStatus;
  reason?: string;
  targets: Record<string, TemplateTarget>;
  actions: Record<string, ExperimentActionRecord>;
  stopConditions: StopCondition[];
  creationTimeMs: number;
  startTimeMs?: number;
  endTimeMs?: number;
  tags: Record<string, string>;
  clientToken: string;
  /** The drives each target resolved to (1-based), fixed when the experiment starts. */
  resolvedDrives: Record<string, number[]>;
  /** The host ids each host target resolved to, fixed when the experiment starts. */
  resolvedHosts?: Record<string, string[]>;
}

export function newId(kind: 'template' | 'experiment'): string {
  const bytes = randomBytes(ID_RANDOM_CHARS);
  return (kind === 'template' ? 'EXT' : 'EXP') + [...bytes].map((byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');
}

export const isFisId = (id: string): boolean => ID_PATTERN.test(id);

async function readRecord<T>(path: string): Promise<T | undefined> {
  try {
    const text = await fs.readFile(path, 'utf8');
    if (text.length > RECORD_FILE_SIZE_BYTES_MAX) throw new Error(`${path} is larger than ${RECORD_FILE_SIZE_BYTES_MAX} bytes`);
    return JSON.parse(text) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeRecord(directory: string, id: string, value: unknown): Promise<void> {
  await fs.mkdir(directory, { recursive: true });
  const path = join(directory, `${id}.json`);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(temporary, JSON.stringify(value), { mode: 0o600 });
  await fs.rename(temporary, path);
}

async function listRecords<T>(directory: string): Promise<T[]> {
  let names: string[];
  try {
    names = (await fs.readdir(directory)).filter((name) => name.endsWith('.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records = await Promise.all(names.map((name) => readRecord<T>(join(directory, name))));
  return records.filter((record): record is Awaited<T> => record !== undefined) as T[];
}

export class FisStore {
  private readonly templates: string;
  private readonly experiments: string;

  constructor(readonly directory: string) {
    this.templates = join(directory, 'templates');
    this.experiments = join(directory, 'experiments');
  }

  static forDataDirectory(dataDirectory: string): FisStore {
    return new FisStore(join(dataDirectory, 'fis'));
  }

  getTemplate(id: string): Promise<StoredTemplate | undefined> {
    return isFisId(id) ? readRecord<StoredTemplate>(join(this.templates, `${id}.json`)) : Promise.resolve(undefined);
  }

  putTemplate(template: StoredTemplate): Promise<void> {
    return writeRecord(this.templates, template.id, template);
  }

  async deleteTemplate(id: string): Promise<void> {
    await fs.rm(join(this.templates, `${id}.json`), { force: true });
  }

  async listTemplates(): Promise<StoredTemplate[]> {
    return (await listRecords<StoredTemplate>(this.templates)).sort((a, b) => a.creationTimeMs - b.creationTimeMs || a.id.localeCompare(b.id));
  }

  getExperiment(id: string): Promise<StoredExperiment | undefined> {
    return isFisId(id) ? readRecord<StoredExperiment>(join(this.experiments, `${id}.json`)) : Promise.resolve(undefined);
  }

  putExperiment(experiment: StoredExperiment): Promise<void> {
    return writeRecord(this.experiments, experiment.id, experiment);
  }

  async listExperiments(): Promise<StoredExperiment[]> {
    return (await listRecords<StoredExperiment>(this.experiments)).sort((a, b) => a.creationTimeMs - b.creationTimeMs || a.id.localeCompare(b.id));
  }

  /** Asks the runner to stop an experiment (StopExperiment, from any worker). */
  async requestStop(id: string): Promise<void> {
    await fs.mkdir(this.experiments, { recursive: true });
    await fs.writeFile(join(this.experiments, `${id}.stop`), '', { mode: 0o600 });
  }

  async stopRequested(id: string): Promise<boolean> {
    return fs.access(join(this.experiments, `${id}.stop`)).then(() => true, () => false);
  }

  /** Forgets the oldest finished experiments beyond FINISHED_EXPERIMENTS_KEPT_MAX. */
  async pruneFinished(): Promise<void> {
    const finished = (await this.listExperiments()).filter((experiment) => FINAL_EXPERIMENT_STATUSES.includes(experiment.status));
    for (const experiment of finished.slice(0, Math.max(0, finished.length - FINISHED_EXPERIMENTS_KEPT_MAX))) {
      await fs.rm(join(this.experiments, `${experiment.id}.json`), { force: true });
      await fs.rm(join(this.experiments, `${experiment.id}.stop`), { force: true });
    }
  }
}
