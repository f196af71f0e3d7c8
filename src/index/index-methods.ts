// The index's methods by kind, as typed lists: the threaded engine answers the reads on its own
// thread and sends the writes to the host's one writer, and both its proxy and the writer's
// dispatch are made from these lists. The compiler checks each list against IndexReads and
// IndexWrites in both directions, so a method added to a domain interface cannot be forgotten here.
import type { IndexReads, IndexWrites } from './types.js';
import { REGISTRY_READ_METHODS, REGISTRY_WRITE_METHODS } from './registry-index.js';
import { REGISTRY_LIFECYCLE_READ_METHODS, REGISTRY_LIFECYCLE_WRITE_METHODS } from './registry-lifecycle-index.js';
import { TABLES_READ_METHODS, TABLES_WRITE_METHODS } from './tables-index.js';
import { RESTORE_READ_METHODS, RESTORE_WRITE_METHODS } from './restore-index.js';
import { ACCESS_LOG_READ_METHODS, ACCESS_LOG_WRITE_METHODS } from './access-log-index.js';
import { EVENT_READ_METHODS, EVENT_WRITE_METHODS } from './event-index.js';
import { BACKUP_READ_METHODS, BACKUP_WRITE_METHODS } from './backup-index.js';

export const INDEX_READ_METHODS = [
  'getBucket', 'getBucketWithAccess', 'listBuckets',
  'getObject', 'getObjectVersion', 'getLatestDeleteMarker', 'listObjects', 'listObjectVersions', 'scanVersions', 'scanPlacements',
  'getUpload', 'listParts', 'listUploads', 'listUploadsInitiatedBefore',
  'getBucketAccess', 'getUser', 'getUserByCanonicalId', 'getUserByEmail', 'listUsers', 'getAccessKey', 'listAccessKeys',
  'readJournal', 'readMetadataSnapshot', 'scanVersionsForInventory',
  'readBucketSetting', 'listBucketsWithSetting',
  ...TABLES_READ_METHODS, ...RESTORE_READ_METHODS, ...ACCESS_LOG_READ_METHODS, ...REGISTRY_READ_METHODS, ...REGISTRY_LIFECYCLE_READ_METHODS, ...EVENT_READ_METHODS, ...BACKUP_READ_METHODS,
] as const satisfies ReadonlyArray<keyof IndexReads>;

export const INDEX_WRITE_METHODS = [
  'createBucket', 'deleteBucket', 'setBucketVersioning', 'setBucketCors', 'setBucketTags',
  'putObject', 'deleteObject', 'replayDeleteMarker', 'deleteVersion', 'setStorageClass', 'replacePlacement', 'setObjectTags', 'setObjectAcl',
  'setObjectRetention', 'setObjectLegalHold',
  'createUpload', 'putPart', 'completeUpload', 'abortUpload',
  'createUser', 'deleteUser', 'setUserPolicy', 'setUserEmail', 'createAccessKey', 'setAccessKeyStatus', 'deleteAccessKey',
  'commitMetadataFiles',
  'writeBucketSetting', 'setObjectLockConfiguration',
  ...TABLES_WRITE_METHODS, ...RESTORE_WRITE_METHODS, ...ACCESS_LOG_WRITE_METHODS, ...REGISTRY_WRITE_METHODS, ...REGISTRY_LIFECYCLE_WRITE_METHODS, ...EVENT_WRITE_METHODS, ...BACKUP_WRITE_METHODS,
] as const satisfies ReadonlyArray<keyof IndexWrites>;

export type IndexReadMethod = (typeof INDEX_READ_METHODS)[number];
export type IndexWriteMethod = (typeof INDEX_WRITE_METHODS)[number];

/** Compiles only when `Missing` is empty: names it otherwise, in the error message. */
type NoneMissing<Missing> = [Missing] extends [never] ? true : { unlisted: Missing };
const EVERY_READ_LISTED: NoneMissing<Exclude<keyof IndexReads, IndexReadMethod>> = true;
const EVERY_WRITE_LISTED: NoneMissing<Exclude<keyof IndexWrites, IndexWriteMethod>> = true;
/** A method that both reads and writes would be answered on the wrong side. */
const NO_METHOD_IS_BOTH: NoneMissing<Extract<IndexReadMethod, IndexWriteMethod>> = true;
void [EVERY_READ_LISTED, EVERY_WRITE_LISTED, NO_METHOD_IS_BOTH];

const WRITE_METHOD_NAMES: ReadonlySet<string> = new Set(INDEX_WRITE_METHODS);

export function isIndexWriteMethod(name: string): name is IndexWriteMethod {
  return WRITE_METHOD_NAMES.has(name);
}

/** A method as the dispatch sees it: arguments that crossed a thread or process boundary. */
type UntypedMethod = (...args: unknown[]) => unknown;

/** The reads, each bound to `reader`. Assigned onto the threaded engine (which declares them). */
export function forwardReads(reader: IndexReads): Record<IndexReadMethod, UntypedMethod> {
  // Reflect.apply takes any function: the arguments are the caller's, checked by Index's types there.
  return Object.fromEntries(INDEX_READ_METHODS.map((method) => [method, (...args: unknown[]): unknown => Reflect.apply(reader[method], reader, args)])) as Record<IndexReadMethod, UntypedMethod>;
}

/** The writes, each sending its name and arguments through `send`. Assigned onto the threaded engine. */
export function forwardWrites(send: (method: IndexWriteMethod, args: unknown[]) => Promise<unknown>): Record<IndexWriteMethod, UntypedMethod> {
  return Object.fromEntries(INDEX_WRITE_METHODS.map((method) => [method, (...args: unknown[]) => send(method, args)])) as Record<IndexWriteMethod, UntypedMethod>;
}

/** On the writer's side: runs one received call on the engine that owns the write connection. */
export function applyWrite(engine: IndexWrites, method: string, args: unknown[]): Promise<unknown> {
  if (!isIndexWriteMethod(method)) return Promise.reject(new Error(`not an index write: ${method}`));
  const result: unknown = Reflect.apply(engine[method], engine, args);
  return Promise.resolve(result);
}

/** One write sent to the writer (a thread of this process, or the cluster primary). */
export interface WriteCall {
  id: number;
  /** An index write method, or 'close' (the writer thread's own). Checked on receipt: it crossed a boundary. */
  method: string;
  args: unknown[];
}

export type WriteReply = { id: number; result: unknown } | { id: number; error: { message: string; code?: string } };

/** A failed write as it travels back: its message and code survive structured cloning, its class does not. */
export function writeFailure(error: unknown): { message: string; code?: string } {
  return error instanceof Error ? { message: error.message, code: (error as { code?: string }).code } : { message: String(error) };
}
