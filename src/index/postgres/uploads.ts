// Multipart uploads in the PostgreSQL index: the twin of sqlite/uploads.ts. Completing one installs
// the object (its journal row included) and forgets the upload in one write transaction, its
// condition decided there too.
import { conditionFailure } from '../conditions.js';
import { lockToParameters, partFromRow, tagsToJson, aclToJson, uploadFromRow, type PartRow, type UploadRow } from '../sqlite/schema.js';
import type { ChangeOrigin, ObjectRecord, StoredPart, WriteCondition } from '../records.js';
import type { CompleteUploadOutcome, ListUploadsPage, ListUploadsQuery, UploadRecord, UploadSummary } from '../upload-index.js';
import { listUploadsPage } from '../upload-listing.js';
import type { Sql } from './connection.js';
import type { PostgresWriteQueue } from './group-commit.js';
import type { PostgresJournal } from './journal.js';
import { partValues, splitSuccessor, SQL } from './statements.js';
import { PostgresVersionRules } from './versioning.js';

export class PostgresUploads {
  constructor(private readonly pool: Sql, private readonly writes: PostgresWriteQueue, private readonly journal: PostgresJournal) {}

  createUpload(upload: UploadRecord): Promise<'created' | 'no-such-bucket'> {
    return this.writes.submit(async (sql) => {
      if ((await sql.query(SQL.getBucket, [upload.bucket])).rows.length === 0) return 'no-such-bucket';
      const lock = lockToParameters(upload);
      await sql.query(SQL.insertUpload, [upload.uploadId, upload.bucket, upload.key, upload.initiatedMs, JSON.stringify(upload.headers),
        JSON.stringify(upload.userMetadata), upload.storageClass, upload.checksumAlgorithm ?? null, upload.checksumType ?? null,
        tagsToJson(upload.tags), lock.lockMode, lock.lockRetainUntilMs, lock.legalHold, aclToJson(upload.acl)]);
      return 'created';
    });
  }

  async getUpload(bucket: string, key: string, uploadId: string): Promise<UploadRecord | undefined> {
    const row = (await this.pool.query<UploadRow>(SQL.getUpload, [uploadId, bucket, key])).rows[0];
    return row === undefined ? undefined : uploadFromRow(row);
  }

  putPart(uploadId: string, part: StoredPart): Promise<{ stored: boolean; replaced?: StoredPart }> {
    return this.writes.submit(async (sql) => {
      if ((await sql.query(SQL.getUploadById, [uploadId])).rows.length === 0) return { stored: false };
      const previous = (await sql.query<PartRow>(SQL.getUploadPart, [uploadId, part.partNumber])).rows[0];
      await sql.query(SQL.upsertUploadPart, partValues(uploadId, part));
      return { stored: true, replaced: previous === undefined ? undefined : partFromRow(previous) };
    });
  }

  async listParts(uploadId: string, afterPartNumber: number, maxParts: number): Promise<{ parts: StoredPart[]; isTruncated: boolean }> {
    const { rows } = await this.pool.query<PartRow>(SQL.listUploadParts, [uploadId, afterPartNumber, maxParts + 1]);
    return { parts: rows.slice(0, maxParts).map(partFromRow), isTruncated: rows.length > maxParts };
  }

  completeUpload(uploadId: string, object: ObjectRecord, condition?: WriteCondition, origin?: ChangeOrigin): Promise<CompleteUploadOutcome> {
    return this.writes.submit(async (sql): Promise<CompleteUploadOutcome> => {
      if ((await sql.query(SQL.getUpload, [uploadId, object.bucket, object.key])).rows.length === 0) return { stored: false, reason: 'no-such-upload' };
      // The parts as they are now: a part uploaded again since the caller read them is refused.
      const parts: StoredPart[] = [];
      for (const part of object.parts ?? []) {
        const row = (await sql.query<PartRow>(SQL.getUploadPart, [uploadId, part.partNumber])).rows[0];
        if (row === undefined || row.data_id !== part.dataId) return { stored: false, reason: 'invalid-part' };
        parts.push({ ...part, placement: row.placement });
      }
      const versions = new PostgresVersionRules(sql);
      const current = await versions.currentOf(object.bucket, object.key);
      const failure = conditionFailure(current, condition);
      if (failure !== undefined) return { stored: false, reason: failure, current };
      const completed = object.parts === undefined ? object : { ...object, parts };
      // install() sets the version id on the record it is given, which the journal row then names.
      const installed = await versions.install(completed, current);
      await this.journal.versionWritten(sql, completed, 'CREATE', origin);
      await sql.query(SQL.deleteUploadParts, [uploadId]);
      await sql.query(SQL.deleteUpload, [uploadId]);
      return { stored: true, replaced: current, ...installed };
    });
  }

  abortUpload(bucket: string, key: string, uploadId: string): Promise<boolean> {
    return this.writes.submit(async (sql) => {
      if ((await sql.query(SQL.getUpload, [uploadId, bucket, key])).rows.length === 0) return false;
      await sql.query(SQL.deleteUploadParts, [uploadId]);
      await sql.query(SQL.deleteUpload, [uploadId]);
      return true;
    });
  }

  listUploads(query: ListUploadsQuery): Promise<ListUploadsPage> {
    type Row = UploadSummary & { checksumAlgorithm: string | null; checksumType: string | null };
    return listUploadsPage(async (bucket, afterKey, afterUploadId, toExclusive, limit) => {
      const after = splitSuccessor(afterKey);
      const { rows } = toExclusive === null
        ? await this.pool.query<Row>(after.exclusive ? SQL.scanUploadsAfterKeyUnbounded : SQL.scanUploadsUnbounded, [bucket, after.key, afterUploadId, limit])
        : await this.pool.query<Row>(after.exclusive ? SQL.scanUploadsAfterKeyBounded : SQL.scanUploadsBounded, [bucket, after.key, afterUploadId, limit, toExclusive]);
      return rows.map((row) => ({ ...row, checksumAlgorithm: row.checksumAlgorithm ?? undefined, checksumType: row.checksumType ?? undefined }) as UploadSummary);
    }, query);
  }

  async listUploadsInitiatedBefore(initiatedBeforeMs: number, limit: number): Promise<UploadRecord[]> {
    return (await this.pool.query<UploadRow>(SQL.uploadsInitiatedBefore, [initiatedBeforeMs, limit])).rows.map(uploadFromRow);
  }
}
