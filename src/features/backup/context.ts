// What every AWS Backup operation is given: the stores, the index, the ARN names of this server's
// region and account, and the time of the request; plus the small readers of request fields.
import type { JsonApiCall } from '../../frontend/json-api.js';
import type { Index } from '../../index/types.js';
import { invalidParameter, missingParameter, notFound } from './errors.js';
import type { Lifecycle, VaultRecord } from './records.js';
import type { BackupStore } from './store.js';

export const PAGE_SIZE_MAX = 1000;
const TAGS_MAX = 50;
/** The stored id of a continuous recovery point starts so (its ARN says continuous:). */
export const CONTINUOUS_ID_PREFIX = 'continuous-';

export interface BackupArns {
  region: string;
  accountId: string;
  vault(name: string): string;
  recoveryPoint(id: string): string;
  plan(id: string): string;
}

export function backupArns(region: string, accountId: string): BackupArns {
  const prefix = `arn:aws:backup:${region}:${accountId}:`;
  return {
    region, accountId,
    vault: (name) => `${prefix}backup-vault:${name}`,
    // A continuous recovery point's id is stored as continuous-NAME (a file-safe id); AWS names it recovery-point:continuous:NAME.
    recoveryPoint: (id) => `${prefix}recovery-point:${id.startsWith(CONTINUOUS_ID_PREFIX) ? `continuous:${id.slice(CONTINUOUS_ID_PREFIX.length)}` : id}`,
    plan: (id) => `${prefix}backup-plan:${id}`,
  };
}

export interface BackupContext {
  store: BackupStore;
  index: Index;
  arns: BackupArns;
  nowMs: number;
}

export type BackupOperation = (context: BackupContext, call: JsonApiCall) => Promise<Record<string, unknown>>;

export const seconds = (timeMs: number | undefined): number | undefined => (timeMs === undefined ? undefined : timeMs / 1000);

export function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (value === undefined || value === '') throw missingParameter(`${field} is required.`);
  if (typeof value !== 'string') throw invalidParameter(`${field} must be a string.`);
  return value;
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${field} must be a string.`);
  return value;
}

export function optionalWholeNumber(body: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalidParameter(`${field} must be a whole number from ${min} to ${max}.`);
  return value;
}

export function tagsOf(value: unknown, field: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((tag) => typeof tag !== 'string')) {
    throw invalidParameter(`${field} must be a map of strings.`);
  }
  if (Object.keys(value).length > TAGS_MAX) throw invalidParameter(`At most ${TAGS_MAX} tags.`);
  return value as Record<string, string>;
}

export function lifecycleOf(value: unknown, field = 'Lifecycle'): Lifecycle | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter(`${field} must be an object.`);
  const fields = value as Record<string, unknown>;
  const lifecycle: Lifecycle = {};
  const deleteAfterDays = optionalWholeNumber(fields, 'DeleteAfterDays', 1, 36_500);
  const coldAfterDays = optionalWholeNumber(fields, 'MoveToColdStorageAfterDays', 1, 36_500);
  if (deleteAfterDays !== undefined) lifecycle.DeleteAfterDays = deleteAfterDays;
  if (coldAfterDays !== undefined) lifecycle.MoveToColdStorageAfterDays = coldAfterDays;
  // AWS: a cold-stored recovery point stays there at least 90 days.
  if (deleteAfterDays !== undefined && coldAfterDays !== undefined && deleteAfterDays < coldAfterDays + 90) {
    throw invalidParameter(`${field}.DeleteAfterDays must be at least 90 days more than MoveToColdStorageAfterDays.`);
  }
  return lifecycle;
}

export function page<T>(items: T[], call: JsonApiCall, names = { size: 'maxResults', token: 'nextToken' }): { items: T[]; nextToken?: string } {
  const maxResults = call.query.get(names.size);
  const size = maxResults === null ? PAGE_SIZE_MAX : Number(maxResults);
  if (!Number.isInteger(size) || size < 1 || size > PAGE_SIZE_MAX) throw invalidParameter(`MaxResults must be from 1 to ${PAGE_SIZE_MAX}.`);
  const token = call.query.get(names.token);
  const start = token === null ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw invalidParameter('NextToken is not valid.');
  const end = start + size;
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: String(end) } : {}) };
}

export async function requireVault(context: BackupContext, name: string | undefined): Promise<VaultRecord> {
  const vault = name === undefined ? undefined : await context.store.vaults.get(name);
  if (vault === undefined) throw notFound(`Backup vault ${name ?? ''} does not exist.`);
  return vault;
}

/** The bucket an S3 resource ARN names (arn:aws:s3:::NAME); InvalidParameterValueException otherwise. */
export function bucketOfArn(arn: string, field = 'ResourceArn'): string {
  const match = /^arn:aws:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/.exec(arn);
  if (match === null) throw invalidParameter(`${field} must be the ARN of an S3 bucket (arn:aws:s3:::NAME): ${arn}`);
  return match[1]!;
}
