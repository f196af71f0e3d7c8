// Multipart uploads in the SQLite index: an upload's row and its parts' rows until it completes
// (one write transaction installs the object, its journal row included, and forgets the upload) or
// is aborted. Writes run in the index's group commits.
import { conditionFailure } from '../conditions.js';
import type { GroupCommitQueue } from '../group-commit.js';
import type { ChangeOrigin, StoredPart, ObjectRecord, WriteCondition } from '../records.js';
import type { CompleteUploadOutcome, ListUploadsPage, ListUploadsQuery, UploadRecord, UploadSummary } from '../upload-index.js';
import { listUploadsPage } from '../upload-listing.js';
import type { Journal } from './journal.js';
import { lockToParameters, partFromRow, partToParameters, tagsToJson, aclToJson, uploadFromRow, type PartRow, type UploadRow } from './schema.js';
import type { Statements } from './statements.js';
import type { VersionRules } from './versioning.js';

export class UploadTables {
  constructor(
    private readonly statements: Statements,
    private readonly writes: GroupCommitQueue,
    private readonly versions: VersionRules,
    private readonly journal: Journal,
  ) {}

  async createUpload(upload: UploadRecord): Promise<'created' | 'no-such-bucket'> {
    return this.writes.submit(() => {
      if (this.statements.getBucket.get(upload.bucket) === undefined) return 'no-such-bucket';
      this.statements.insertUpload.run({
        uploadId: upload.uploadId,
        bucket: upload.bucket,
        key: upload.key,
        initiatedMs: upload.initiatedMs,
        headersJson: JSON.stringify(upload.headers),
        userMetadataJson: JSON.stringify(upload.userMetadata),
        storageClass: upload.storageClass,
        checksumAlgorithm: upload.checksumAlgorithm ?? null,
        checksumType: upload.checksumType ?? null,
        tagsJson: tagsToJson(upload.tags),
        ...lockToParameters(upload),
        aclJson: aclToJson(upload.acl),
      });
      return 'created';
    });
  }

  async getUpload(bucket: string, key: string, uploadId: string): Promise<UploadRecord | undefined> {
    const row = this.statements.getUpload.get(uploadId, bucket, key) as UploadRow | undefined;
    return row === undefined ? undefined : uploadFromRow(row);
  }

  async putPart(uploadId: string, part: StoredPart): Promise<{ stored: boolean; replaced?: StoredPart }> {
    return this.writes.submit(() => {
      if (this.statements.getUploadById.get(uploadId) === undefined) return { stored: false };
      const previous = this.statements.getUploadPart.get(uploadId, part.partNumber) as PartRow | undefined;
      this.statements.upsertUploadPart.run(partToParameters(uploadId, part));
      return { stored: true, replaced: previous === undefined ? undefined : partFromRow(previous) };
    });
  }

  async listParts(uploadId: string, afterPartNumber: number, maxParts: number): Promise<{ parts: StoredPart[]; isTruncated: boolean }> {
    const rows = this.statements.listUploadParts.all(uploadId, afterPartNumber, maxParts + 1) as PartRow[];
    return { parts: rows.slice(0, maxParts).map(partFromRow), isTruncated: rows.length > maxParts };
  }

  async completeUpload(uploadId: string, object: ObjectRecord, condition?: WriteCondition, origin?: ChangeOrigin): Promise<CompleteUploadOutcome> {
    return this.writes.submit((): CompleteUploadOutcome => {
      if (this.statements.getUpload.get(uploadId, object.bucket, object.key) === undefined) return { stored: false, reason: 'no-such-upload' };
      // The parts as they are now, not as the caller read them: a part uploaded again since then is
      // refused, and a part compaction moved since then is installed where it is now.
      const parts: StoredPart[] = [];
      for (const part of object.parts ?? []) {
        const row = this.statements.getUploadPart.get(uploadId, part.partNumber) as PartRow | undefined;
        if (row === undefined || row.data_id !== part.dataId) return { stored: false, reason: 'invalid-part' };
        parts.push({ ...part, placement: row.placement });
      }
      const current = this.versions.currentOf(object.bucket, object.key);
      const failure = conditionFailure(current, condition);
      if (failure !== undefined) return { stored: false, reason: failure, current };
      // install() sets the version id on the record it is given, which the journal row then names.
      const completed = object.parts === undefined ? object : { ...object, parts };
      const installed = this.versions.install(completed, current);
      this.journal.versionWritten(completed, 'CREATE', origin);
      this.statements.deleteUploadParts.run(uploadId);
      this.statements.deleteUpload.run(uploadId);
      return { stored: true, replaced: current, ...installed };
    });
  }

  async abortUpload(bucket: string, key: string, uploadId: string): Promise<boolean> {
    return this.writes.submit(() => {
      if (this.statements.getUpload.get(uploadId, bucket, key) === undefined) return false;
      this.statements.deleteUploadParts.run(uploadId);
      this.statements.deleteUpload.run(uploadId);
      return true;
    });
  }

  async listUploads(query: ListUploadsQuery): Promise<ListUploadsPage> {
    return listUploadsPage((bucket, afterKey, afterUploadId, toExclusive, limit) => {
      const rows = (toExclusive === null
        ? this.statements.scanUploadsUnbounded.all(bucket, afterKey, afterUploadId, limit)
        : this.statements.scanUploadsBounded.all(bucket, afterKey, afterUploadId, toExclusive, limit)) as Array<UploadSummary & { checksumAlgorithm: string | null; checksumType: string | null }>;
      return rows.map((row) => ({ ...row, checksumAlgorithm: row.checksumAlgorithm ?? undefined, checksumType: row.checksumType ?? undefined }) as UploadSummary);
    }, query);
  }

  async listUploadsInitiatedBefore(initiatedBeforeMs: number, limit: number): Promise<UploadRecord[]> {
    return (this.statements.uploadsInitiatedBefore.all(initiatedBeforeMs, limit) as UploadRow[]).map(uploadFromRow);
  }
}
