// The container registry's rows in the index: repositories, blobs (content-addressed, stored once
// as objects of the registry's system bucket, with a reference count), manifests (the exact pushed
// bytes), tags, references (manifest → blobs, index → manifests, subject → referrers) and upload
// sessions. Each write is one transaction, so a manifest's references, a blob's count and the
// collector's check-and-delete are judged together (docs/registry.md, "Garbage collection").

export { REGISTRY_LIFECYCLE_READ_METHODS, REGISTRY_LIFECYCLE_WRITE_METHODS } from './registry-lifecycle-index.js';

export interface RegistryRepositoryRecord {
  name: string;
  createdAtMs: number;
  /** The repository policy (JSON text), if one is set. */
  policy?: string;
  tagMutability: 'MUTABLE' | 'IMMUTABLE';
}

export interface RegistryBlobRecord {
  digest: string;
  sizeBytes: number;
  /** The data id of the blob's object version (the collector deletes only that version). */
  dataId: string;
  /** How many manifest → blob references name it, over every repository. */
  refCount: number;
}

export interface RegistryManifestRecord {
  repository: string;
  digest: string;
  mediaType: string;
  artifactType?: string;
  subjectDigest?: string;
  sizeBytes: number;
  /** The exact bytes pushed. */
  bytes: Uint8Array;
  createdAtMs: number;
}

/** What a manifest names: blobs (config, layers) and, for an index, manifests of the same repository. */
export interface ManifestReferences {
  blobs: string[];
  manifests: string[];
}

export interface RegistryUploadRecord {
  uploadId: string;
  repository: string;
  /** Bytes received so far, in order. */
  sizeBytes: number;
  /** The system bucket's objects holding the chunks received so far, in order. */
  chunkKeys: string[];
  createdAtMs: number;
  updatedAtMs: number;
}

/** A manifest as the ECR API lists it: no bytes, its tags. */
export interface RegistryImageSummary {
  digest: string;
  mediaType: string;
  sizeBytes: number;
  createdAtMs: number;
  /** The last recorded pull (manifest GET or BatchGetImage), if any. */
  lastPulledAtMs?: number;
  tags: string[];
}

export type PutManifestOutcome =
  | { stored: true }
  | { stored: false; reason: 'blob-unknown' | 'manifest-unknown'; digest: string }
  | { stored: false; reason: 'tag-immutable'; digest: string };

export type AppendUploadOutcome = { appended: RegistryUploadRecord } | 'missing' | 'out-of-order';

/** A blob the collector took out of the index; its object version is deleted next. */
export interface CollectedBlob {
  digest: string;
  dataId: string;
}

export interface RegistryReads {
  getRegistryRepository(name: string): Promise<RegistryRepositoryRecord | undefined>;
  /** Repository names in byte order after `after`, at most `limit`. */
  listRegistryRepositories(after: string | undefined, limit: number): Promise<string[]>;
  /** The blob, if `repository` holds it (pushed or mounted there). */
  getRegistryBlob(repository: string, digest: string): Promise<RegistryBlobRecord | undefined>;
  getRegistryManifest(repository: string, digest: string): Promise<RegistryManifestRecord | undefined>;
  resolveRegistryTag(repository: string, tag: string): Promise<string | undefined>;
  /** Tags in byte order after `after`, at most `limit`. */
  listRegistryTags(repository: string, after: string | undefined, limit: number): Promise<string[]>;
  /** Manifests of a repository in digest order after `afterDigest`, at most `limit`, each with its tags. */
  listRegistryImages(repository: string, afterDigest: string | undefined, limit: number): Promise<RegistryImageSummary[]>;
  /** Manifests of `repository` whose subject is `subjectDigest`, in digest order, at most `limit`. */
  listRegistryReferrers(repository: string, subjectDigest: string, limit: number): Promise<RegistryManifestRecord[]>;
  getRegistryUpload(uploadId: string): Promise<RegistryUploadRecord | undefined>;
  /** Upload sessions untouched since before `beforeMs`, at most `limit`. */
  listRegistryUploadsIdleSince(beforeMs: number, limit: number): Promise<RegistryUploadRecord[]>;
}

export interface RegistryWrites {
  createRegistryRepository(name: string, atMs: number): Promise<'created' | 'already-exists'>;
  setRegistryRepositoryPolicy(name: string, policy: string | undefined): Promise<'set' | 'missing'>;
  /** Deletes a repository that holds no manifest (its blob links go; unreferenced blobs start their grace period). */
  deleteRegistryRepository(name: string, atMs: number): Promise<'deleted' | 'missing' | 'not-empty'>;
  setRegistryTagMutability(name: string, mutability: 'MUTABLE' | 'IMMUTABLE'): Promise<'set' | 'missing'>;
  /**
   * Records a blob just stored as the object `bucket`/`key` and links it to `repository`. Its data id
   * is read from the object's row in this transaction (a concurrent upload of the same blob may have
   * replaced the version this caller wrote). An unreferenced blob's grace period starts again at `atMs`.
   */
  linkRegistryBlob(repository: string, blob: { digest: string; sizeBytes: number; bucket: string; key: string }, atMs: number): Promise<void>;
  /** Links a blob `fromRepository` holds to `repository`; false when it does not hold it. */
  mountRegistryBlob(repository: string, digest: string, fromRepository: string, atMs: number): Promise<boolean>;
  unlinkRegistryBlob(repository: string, digest: string, atMs: number): Promise<'deleted' | 'missing'>;
  /**
   * Stores a manifest and its references, and points `tag` at it, if every blob it names is held
   * by the repository and every manifest it names is in it: all judged in this one transaction.
   */
  putRegistryManifest(record: RegistryManifestRecord, references: ManifestReferences, tag: string | undefined): Promise<PutManifestOutcome>;
  /**
   * Deletes a manifest, the tags naming it and its references (blobs it leaves unreferenced start their
   * grace period). Given `expectedTags` (a lifecycle worker's view),
   * only while the manifest still has exactly those tags: a tag added since answers 'changed', nothing deleted.
   */
  deleteRegistryManifest(repository: string, digest: string, atMs: number, expectedTags?: readonly string[]): Promise<'deleted' | 'missing' | 'changed'>;
  deleteRegistryTag(repository: string, tag: string): Promise<'deleted' | 'missing'>;
  createRegistryUpload(record: RegistryUploadRecord): Promise<void>;
  /** Appends the chunk stored as `chunkKey` (`sizeBytes` long), if the session has received exactly `expectedOffset` bytes so far. */
  appendRegistryUpload(uploadId: string, expectedOffset: number, sizeBytes: number, chunkKey: string, atMs: number): Promise<AppendUploadOutcome>;
  deleteRegistryUpload(uploadId: string): Promise<RegistryUploadRecord | undefined>;
  /**
   * The collector's check-and-delete, in one transaction: blobs no manifest references, unreferenced
   * since before `unreferencedBeforeMs`, held by no repository with an open upload session, at most
   * `limit` — their rows and links are removed and they are returned.
   */
  collectRegistryBlobs(unreferencedBeforeMs: number, limit: number): Promise<CollectedBlob[]>;
}

export interface RegistryIndex extends RegistryReads, RegistryWrites {}

export const REGISTRY_READ_METHODS = [
  'getRegistryRepository', 'listRegistryRepositories', 'getRegistryBlob', 'getRegistryManifest', 'resolveRegistryTag',
  'listRegistryTags', 'listRegistryImages', 'listRegistryReferrers', 'getRegistryUpload', 'listRegistryUploadsIdleSince',
] as const satisfies ReadonlyArray<keyof RegistryReads>;

export const REGISTRY_WRITE_METHODS = [
  'createRegistryRepository', 'deleteRegistryRepository', 'setRegistryRepositoryPolicy', 'setRegistryTagMutability', 'linkRegistryBlob', 'mountRegistryBlob',
  'unlinkRegistryBlob', 'putRegistryManifest', 'deleteRegistryManifest', 'deleteRegistryTag', 'createRegistryUpload',
  'appendRegistryUpload', 'deleteRegistryUpload', 'collectRegistryBlobs',
] as const satisfies ReadonlyArray<keyof RegistryWrites>;

// Compiles only while every method of the domain is listed (an engine binds exactly these).
const EVERY_REGISTRY_METHOD_LISTED: [Exclude<keyof RegistryIndex, (typeof REGISTRY_READ_METHODS)[number] | (typeof REGISTRY_WRITE_METHODS)[number]>] extends [never] ? true : false = true;
void EVERY_REGISTRY_METHOD_LISTED;
