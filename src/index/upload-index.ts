// Multipart uploads in the index: the upload and its parts until it is completed (one transaction
// makes the object) or aborted.
import type { ChangeOrigin, StoredAcl, ChecksumAlgorithm, ChecksumType, ConditionFailure, LegalHoldStatus, ObjectRecord, ObjectRetention, StoredObjectHeaders, StoredPart, Tag, WriteCondition } from './records.js';

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiatedMs: number;
  headers: StoredObjectHeaders;
  userMetadata: Record<string, string>;
  storageClass: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
  /** x-amz-tagging of CreateMultipartUpload: the completed object's tags. */
  tags?: Tag[];
  /** Object Lock headers of CreateMultipartUpload: the completed version's retention and legal hold. */
  retention?: ObjectRetention;
  legalHold?: LegalHoldStatus;
  /** The ACL of CreateMultipartUpload: the completed version's ACL and owner. */
  acl?: StoredAcl;
}

export interface UploadSummary {
  uploadId: string;
  key: string;
  initiatedMs: number;
  storageClass: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
}

export interface ListUploadsQuery {
  bucket: string;
  prefix: string;
  delimiter: string;
  /** Resume after this key (all its uploads, unless uploadIdMarker is given). */
  keyMarker?: string;
  /** With keyMarker: resume after this upload of that key. */
  uploadIdMarker?: string;
  maxEntries: number;
}

export interface ListUploadsPage {
  uploads: UploadSummary[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Where the next page resumes: the last upload returned, or the last common prefix. */
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

export type CompleteUploadOutcome =
  | { stored: true; replaced?: ObjectRecord; versionId: string; discardedDataIds: string[] }
  | { stored: false; reason: 'no-such-upload' | 'invalid-part' | ConditionFailure; current?: ObjectRecord };

export interface UploadReads {
  getUpload(bucket: string, key: string, uploadId: string): Promise<UploadRecord | undefined>;
  /** Parts after `afterPartNumber`, in order, at most `maxParts` (one more tells truncation). */
  listParts(uploadId: string, afterPartNumber: number, maxParts: number): Promise<{ parts: StoredPart[]; isTruncated: boolean }>;
  listUploads(query: ListUploadsQuery): Promise<ListUploadsPage>;
  /** Uploads initiated before `initiatedBeforeMs`, oldest first, at most `limit`. */
  listUploadsInitiatedBefore(initiatedBeforeMs: number, limit: number): Promise<UploadRecord[]>;
}

export interface UploadWrites {
  createUpload(upload: UploadRecord): Promise<'created' | 'no-such-bucket'>;
  /** Records a part (replacing one with the same number); false when the upload is gone. */
  putPart(uploadId: string, part: StoredPart): Promise<{ stored: boolean; replaced?: StoredPart }>;
  /**
   * In one transaction: checks the upload still exists and `condition` holds, makes `object` (its
   * parts included) the key's current version, and forgets the upload and all its parts.
   */
  completeUpload(uploadId: string, object: ObjectRecord, condition?: WriteCondition, origin?: ChangeOrigin): Promise<CompleteUploadOutcome>;
  /** Forgets an upload and its parts; false when there was none. */
  abortUpload(bucket: string, key: string, uploadId: string): Promise<boolean>;
}

export interface UploadIndex extends UploadReads, UploadWrites {}
