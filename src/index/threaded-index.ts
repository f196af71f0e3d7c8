// The SQLite index as the server uses it: reads on this thread through their own WAL connection,
// writes sent to the one writer of this host, so commit fsyncs never stall the event loop and
// writes from every process batch into one commit (no fight over SQLite's write lock):
// - one process serving alone: a writer thread (writer-thread.ts);
// - cluster workers: the cluster primary, which serves nothing else (serveIndexWrites).
// In WAL mode SQLite publishes a commit to readers only after its synchronous=FULL sync, so a read
// here never sees a write that is not yet durable.
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { SqliteIndex } from './sqlite-index.js';
import type {
  AccessKeyRecord,
  AccessKeyStatus,
  BucketAccessRecord,
  CreateAccessKeyOutcome,
  CreateUserOutcome,
  DeleteUserOutcome,
  UserRecord,
  BucketRecord,
  BucketSettingName,
  ChangeOrigin,
  InventoryScanPage,
  JournalRow,
  MetadataFilesCommit,
  MetadataSnapshot,
  MetadataSnapshotRequest,
  VersionCursor,
  CompleteUploadOutcome,
  CorsRule,
  CreateBucketOutcome,
  DeleteOutcome,
  DeleteVersionOptions,
  GovernanceBypass,
  LegalHoldStatus,
  ObjectLockChangeOutcome,
  ObjectLockConfiguration,
  ObjectRetention,
  SetObjectLockConfigurationOutcome,
  SetVersioningOutcome,
  ListVersionsPage,
  ListVersionsQuery,
  ScannedVersion,
  ScanVersionsQuery,
  VersionDeleteCondition,
  VersioningStatus,
  DeleteBucketOutcome,
  Index,
  ListObjectsPage,
  ListObjectsQuery,
  ListUploadsPage,
  ListUploadsQuery,
  ObjectRecord,
  PutObjectOutcome,
  StoredPart,
  Tag,
  UploadRecord,
  WriteCondition,
  PlacementChange,
  StoredPlacement,
} from './types.js';
import type { WriteCall, WriteReply } from './writer-thread.js';

interface PendingCall {
  resolve: (value: any) => void;
  reject: (error: Error) => void;
}

/** Where writes go: a writer thread, or the cluster primary over IPC. */
interface WriteTransport {
  send(call: WriteCall): void;
  onReply(handler: (reply: WriteReply) => void): void;
  onFailure(handler: (error: Error) => void): void;
  close(): Promise<void>;
}

const CLOSE_POLL_MS = 5;
/** Call ids count up from 1; this one is the writer thread's close. */
const CLOSE_CALL_ID = 0;

/** Messages between cluster workers and the primary carry this tag beside other traffic. */
const CLUSTER_INDEX_CHANNEL = 'cairn:index';

async function threadTransport(path: string): Promise<WriteTransport> {
  const writer = new Worker(new URL('./writer-thread.js', import.meta.url), { workerData: { path } });
  const [first] = await Promise.race([once(writer, 'message'), once(writer, 'error').then(([error]) => { throw error; })]);
  if ((first as { ready?: boolean }).ready !== true) throw new Error('index writer thread did not start');
  return {
    send: (call) => writer.postMessage(call),
    onReply: (handler) => writer.on('message', handler),
    onFailure: (handler) => {
      writer.on('error', handler);
      writer.on('exit', (code) => handler(new Error(`index writer thread exited (${code})`)));
    },
    // The thread closes its connection (pending commits land first), then it is stopped.
    close: async () => {
      const closed = new Promise<void>((resolve) => writer.on('message', (reply: WriteReply) => { if (reply.id === CLOSE_CALL_ID) resolve(); }));
      writer.postMessage({ id: CLOSE_CALL_ID, method: 'close', args: [] } satisfies WriteCall);
      await closed;
      await writer.terminate();
    },
  };
}

function clusterTransport(): WriteTransport {
  return {
    send: (call) => process.send!({ channel: CLUSTER_INDEX_CHANNEL, call }),
    onReply: (handler) => process.on('message', (message: { channel?: string; reply?: WriteReply }) => {
      if (message?.channel === CLUSTER_INDEX_CHANNEL && message.reply !== undefined) handler(message.reply);
    }),
    onFailure: (handler) => process.on('disconnect', () => handler(new Error('the cluster primary (the index writer) is gone'))),
    close: async () => undefined,
  };
}

/**
 * In the cluster primary: the host's one index write connection. Every worker's writes arrive here;
 * those that arrive together share one group commit. Needs cluster serialization 'advanced' (the
 * records carry Uint8Arrays).
 */
export function serveIndexWrites(path: string): { close(): Promise<void> } {
  const index = SqliteIndex.open(path);
  const listen = (worker: ClusterWorker) => worker.on('message', (message: { channel?: string; call?: WriteCall }) => {
    if (message?.channel !== CLUSTER_INDEX_CHANNEL || message.call === undefined) return;
    const { id, method, args } = message.call;
    const reply = (value: WriteReply) => { if (worker.isConnected()) worker.send({ channel: CLUSTER_INDEX_CHANNEL, reply: value }); };
    const target = (index as unknown as Record<string, (...values: unknown[]) => Promise<unknown>>)[method];
    if (typeof target !== 'function' || !WRITE_METHODS.has(method)) {
      reply({ id, error: { message: `not an index write: ${method}` } });
      return;
    }
    target.apply(index, args).then(
      (result) => reply({ id, result }),
      (error: unknown) => reply({ id, error: { message: error instanceof Error ? error.message : String(error), code: (error as { code?: string }).code } }),
    );
  });
  for (const worker of Object.values(cluster.workers ?? {})) if (worker !== undefined) listen(worker);
  cluster.on('fork', listen);
  return {
    async close() {
      cluster.off('fork', listen);
      await index.close();
    },
  };
}

/** The Index methods that write, the only ones the primary runs for its workers. */
const WRITE_METHODS = new Set([
  'createBucket', 'deleteBucket', 'setBucketTags', 'setBucketVersioning', 'setBucketCors', 'setBucketSetting', 'putObject', 'deleteObject', 'replayDeleteMarker', 'deleteVersion', 'setObjectTags',
  'setObjectLockConfiguration', 'setObjectRetention', 'setObjectLegalHold', 'setStorageClass', 'replacePlacement',
  'createUpload', 'putPart', 'completeUpload', 'abortUpload', 'commitMetadataFiles',
  'createUser', 'deleteUser', 'setUserPolicy', 'createAccessKey', 'setAccessKeyStatus', 'deleteAccessKey',
]);

export class ThreadedSqliteIndex implements Index {
  private nextCallId = 1;
  private readonly pending = new Map<number, PendingCall>();
  /** Set when the writer is gone: every later write fails at once instead of waiting forever. */
  private writerFailure: Error | undefined;

  private constructor(private readonly reader: SqliteIndex, private readonly writer: WriteTransport) {
    writer.onReply((reply: WriteReply) => {
      const call = this.pending.get(reply.id);
      if (call === undefined) return;
      this.pending.delete(reply.id);
      if ('error' in reply) call.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else call.resolve(reply.result);
    });
    writer.onFailure((error) => this.failAll(error));
  }

  /** Reads here; writes to a writer thread of this process, or (`viaClusterPrimary`) to the primary. */
  static async open(path: string, options: { viaClusterPrimary?: boolean } = {}): Promise<ThreadedSqliteIndex> {
    const reader = SqliteIndex.open(path);
    const writer = options.viaClusterPrimary === true ? clusterTransport() : await threadTransport(path);
    return new ThreadedSqliteIndex(reader, writer);
  }

  private failAll(error: Error): void {
    this.writerFailure ??= error;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }

  private write<T>(method: string, ...args: unknown[]): Promise<T> {
    if (this.writerFailure !== undefined) return Promise.reject(this.writerFailure);
    const id = this.nextCallId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.writer.send({ id, method, args });
    });
  }

  createBucket(bucket: BucketRecord, settings?: Partial<Record<BucketSettingName, unknown>>): Promise<CreateBucketOutcome> {
    return this.write('createBucket', bucket, settings);
  }
  deleteBucket(name: string): Promise<DeleteBucketOutcome> { return this.write('deleteBucket', name); }
  putObject(object: ObjectRecord, condition?: WriteCondition, origin?: ChangeOrigin): Promise<PutObjectOutcome> {
    return this.write('putObject', object, condition, origin);
  }
  replayDeleteMarker(bucket: string, key: string, markerDataId: string, atMs: number): Promise<DeleteOutcome> {
    return this.write('replayDeleteMarker', bucket, key, markerDataId, atMs);
  }

  deleteObject(bucket: string, key: string, condition?: WriteCondition, origin?: ChangeOrigin): Promise<DeleteOutcome> {
    return this.write('deleteObject', bucket, key, condition, origin);
  }
  deleteVersion(bucket: string, key: string, versionId: string, options?: DeleteVersionOptions): Promise<DeleteOutcome & { wasDeleteMarker?: boolean }> {
    return this.write('deleteVersion', bucket, key, versionId, options);
  }
  setBucketVersioning(name: string, status: VersioningStatus): Promise<SetVersioningOutcome> { return this.write('setBucketVersioning', name, status); }
  setObjectLockConfiguration(bucket: string, configuration: ObjectLockConfiguration): Promise<SetObjectLockConfigurationOutcome> {
    return this.write('setObjectLockConfiguration', bucket, configuration);
  }
  setObjectRetention(bucket: string, key: string, versionId: string, retention: ObjectRetention | undefined, options?: GovernanceBypass): Promise<ObjectLockChangeOutcome> {
    return this.write('setObjectRetention', bucket, key, versionId, retention, options);
  }
  setObjectLegalHold(bucket: string, key: string, versionId: string, status: LegalHoldStatus): Promise<ObjectLockChangeOutcome> {
    return this.write('setObjectLegalHold', bucket, key, versionId, status);
  }
  replacePlacement(change: PlacementChange): Promise<boolean> {
    return this.write('replacePlacement', change);
  }

  setStorageClass(bucket: string, key: string, dataId: string, storageClass: string, origin?: ChangeOrigin): Promise<boolean> {
    return this.write('setStorageClass', bucket, key, dataId, storageClass, origin);
  }
  scanVersions(query: ScanVersionsQuery): Promise<ScannedVersion[]> { return this.reader.scanVersions(query); }
  scanPlacements(pageRows: number): AsyncGenerator<StoredPlacement[]> { return this.reader.scanPlacements(pageRows); }
  setBucketCors(name: string, rules: CorsRule[] | undefined): Promise<boolean> { return this.write('setBucketCors', name, rules); }
  setBucketSetting(bucket: string, name: BucketSettingName, value: unknown): Promise<boolean> { return this.write('setBucketSetting', bucket, name, value); }
  getBucketSetting<T>(bucket: string, name: BucketSettingName): Promise<T | undefined> { return this.reader.getBucketSetting<T>(bucket, name); }
  listBucketSettings<T>(name: BucketSettingName): Promise<Array<{ bucket: string; value: T }>> { return this.reader.listBucketSettings<T>(name); }
  getObjectVersion(bucket: string, key: string, versionId: string): Promise<(ObjectRecord & { isDeleteMarker?: boolean }) | undefined> {
    return this.reader.getObjectVersion(bucket, key, versionId);
  }
  getLatestDeleteMarker(bucket: string, key: string): Promise<string | undefined> { return this.reader.getLatestDeleteMarker(bucket, key); }
  listObjectVersions(query: ListVersionsQuery): Promise<ListVersionsPage> { return this.reader.listObjectVersions(query); }
  createUpload(upload: UploadRecord): Promise<'created' | 'no-such-bucket'> { return this.write('createUpload', upload); }
  putPart(uploadId: string, part: StoredPart): Promise<{ stored: boolean; replaced?: StoredPart }> { return this.write('putPart', uploadId, part); }
  completeUpload(uploadId: string, object: ObjectRecord, condition?: WriteCondition, origin?: ChangeOrigin): Promise<CompleteUploadOutcome> {
    return this.write('completeUpload', uploadId, object, condition, origin);
  }
  abortUpload(bucket: string, key: string, uploadId: string): Promise<boolean> { return this.write('abortUpload', bucket, key, uploadId); }
  setObjectTags(bucket: string, key: string, tags: Tag[] | undefined, origin?: ChangeOrigin, versionId?: string): Promise<ObjectRecord | undefined> {
    return this.write('setObjectTags', bucket, key, tags, origin, versionId);
  }
  commitMetadataFiles(commit: MetadataFilesCommit): Promise<{ discarded: Array<{ key: string; dataId: string }> }> { return this.write('commitMetadataFiles', commit); }
  readJournal(limit: number): Promise<JournalRow[]> { return this.reader.readJournal(limit); }
  readMetadataSnapshot(request: MetadataSnapshotRequest): Promise<MetadataSnapshot> { return this.reader.readMetadataSnapshot(request); }
  scanVersionsForInventory(bucket: string, after: VersionCursor | undefined, limit: number): Promise<InventoryScanPage> {
    return this.reader.scanVersionsForInventory(bucket, after, limit);
  }
  setBucketTags(name: string, tags: Tag[] | undefined): Promise<boolean> { return this.write('setBucketTags', name, tags); }

  getBucket(name: string): Promise<BucketRecord | undefined> { return this.reader.getBucket(name); }
  listBuckets(): Promise<BucketRecord[]> { return this.reader.listBuckets(); }
  getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> { return this.reader.getObject(bucket, key); }
  listObjects(query: ListObjectsQuery): Promise<ListObjectsPage> { return this.reader.listObjects(query); }
  getUpload(bucket: string, key: string, uploadId: string): Promise<UploadRecord | undefined> { return this.reader.getUpload(bucket, key, uploadId); }
  listParts(uploadId: string, afterPartNumber: number, maxParts: number): Promise<{ parts: StoredPart[]; isTruncated: boolean }> {
    return this.reader.listParts(uploadId, afterPartNumber, maxParts);
  }
  listUploads(query: ListUploadsQuery): Promise<ListUploadsPage> { return this.reader.listUploads(query); }
  listUploadsInitiatedBefore(initiatedBeforeMs: number, limit: number): Promise<UploadRecord[]> {
    return this.reader.listUploadsInitiatedBefore(initiatedBeforeMs, limit);
  }

  createUser(user: UserRecord, firstKey: AccessKeyRecord | undefined, usersMax: number): Promise<CreateUserOutcome> {
    return this.write('createUser', user, firstKey, usersMax);
  }
  deleteUser(name: string): Promise<DeleteUserOutcome> { return this.write('deleteUser', name); }
  setUserPolicy(name: string, policy: string | undefined): Promise<boolean> { return this.write('setUserPolicy', name, policy); }
  createAccessKey(key: AccessKeyRecord, keysPerUserMax: number): Promise<CreateAccessKeyOutcome> { return this.write('createAccessKey', key, keysPerUserMax); }
  setAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<boolean> { return this.write('setAccessKeyStatus', accessKeyId, status); }
  deleteAccessKey(accessKeyId: string): Promise<boolean> { return this.write('deleteAccessKey', accessKeyId); }
  getBucketAccess(bucket: string): Promise<BucketAccessRecord | undefined> { return this.reader.getBucketAccess(bucket); }
  getUser(name: string): Promise<UserRecord | undefined> { return this.reader.getUser(name); }
  getUserByCanonicalId(canonicalId: string): Promise<UserRecord | undefined> { return this.reader.getUserByCanonicalId(canonicalId); }
  listUsers(): Promise<UserRecord[]> { return this.reader.listUsers(); }
  getAccessKey(accessKeyId: string): Promise<{ key: AccessKeyRecord; user: UserRecord } | undefined> { return this.reader.getAccessKey(accessKeyId); }
  listAccessKeys(userName: string): Promise<AccessKeyRecord[]> { return this.reader.listAccessKeys(userName); }

  /**
   * Waits for this process's writes in flight, closes its own writer thread (its pending commits land
   * first), then the reader. The cluster primary's writer outlives its workers.
   */
  async close(): Promise<void> {
    while (this.pending.size > 0) await new Promise((resolve) => setTimeout(resolve, CLOSE_POLL_MS));
    if (this.writerFailure === undefined) await this.writer.close();
    await this.reader.close();
  }
}
