// Replicas on any S3 endpoint (another Cairn, or AWS) behind an s3 target, written with the AWS SDK.
// Every write carries x-cairn-replica-version-id (src/frontend/request/replica.ts), so another Cairn
// stores it under the source's version id with status REPLICA; AWS ignores the header and gives the
// replica a version id of its own (still in the source's order, as replicas are written in order).
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, DeleteObjectTaggingCommand, HeadObjectCommand,
  PutObjectCommand, PutObjectTaggingCommand, S3Client, S3ServiceException, UploadPartCommand,
  type ChecksumAlgorithm, type CompletedPart, type ObjectLockLegalHoldStatus, type ObjectLockMode, type StorageClass,
} from '@aws-sdk/client-s3';
import type { EventTargetRecord, StoredChecksum, Tag } from '../../index/types.js';
import { REPLICA_VERSION_HEADER } from '../../frontend/request/replica.js';
import { PermanentReplicationError, partRanges, type ReplicaDestination, type ReplicaVersion } from './destination.js';

const DEFAULT_REGION = 'us-east-1';
/** Statuses that say the destination will refuse again (anything else is retried until it answers). */
const RETRIED_STATUSES: ReadonlySet<number> = new Set([408, 429]);

const CHECKSUM_FIELDS = {
  CRC32: 'ChecksumCRC32', CRC32C: 'ChecksumCRC32C', CRC64NVME: 'ChecksumCRC64NVME', SHA1: 'ChecksumSHA1', SHA256: 'ChecksumSHA256',
} as const;

function checksumFields(checksum: StoredChecksum | undefined): Record<string, string> {
  if (checksum === undefined) return {};
  return { [CHECKSUM_FIELDS[checksum.algorithm]]: checksum.valueBase64.replace(/-\d+$/, '') };
}

function taggingOf(tags: Tag[] | undefined): string | undefined {
  if (tags === undefined || tags.length === 0) return undefined;
  return new URLSearchParams(tags.map((tag) => [tag.key, tag.value])).toString();
}

/** The header fields of a replica (PutObject and CreateMultipartUpload take the same). */
function replicaFields(bucket: string, version: ReplicaVersion) {
  const { source } = version;
  const { headers } = source;
  return {
    Bucket: bucket, Key: source.key, ContentType: headers.contentType, ContentEncoding: headers.contentEncoding,
    ContentLanguage: headers.contentLanguage, ContentDisposition: headers.contentDisposition, CacheControl: headers.cacheControl,
    Expires: headers.expires === undefined ? undefined : new Date(headers.expires), WebsiteRedirectLocation: headers.websiteRedirectLocation,
    Metadata: source.userMetadata, StorageClass: version.storageClass as StorageClass, Tagging: taggingOf(source.tags),
    ObjectLockMode: source.retention?.mode as ObjectLockMode | undefined,
    ObjectLockRetainUntilDate: source.retention === undefined ? undefined : new Date(source.retention.retainUntilMs),
    ObjectLockLegalHoldStatus: source.legalHold as ObjectLockLegalHoldStatus | undefined,
    ServerSideEncryption: headers.encryption === undefined ? undefined : ('AES256' as const),
  };
}

/** Adds the replica header to one command (signed with the rest: the build step runs before signing). */
function asReplica<T extends { middlewareStack: { add: (...args: never[]) => unknown } }>(command: T, versionId: string): T {
  (command.middlewareStack as unknown as { add: (middleware: unknown, options: unknown) => void }).add(
    (next: (args: { request: { headers: Record<string, string> } }) => unknown) => (args: { request: { headers: Record<string, string> } }) => {
      args.request.headers[REPLICA_VERSION_HEADER] = versionId;
      return next(args);
    },
    { step: 'build', name: 'cairnReplicaVersion' },
  );
  return command;
}

function refusal(error: unknown): never {
  const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500 && !RETRIED_STATUSES.has(status)) {
    throw new PermanentReplicationError(`${error instanceof Error ? error.name : 'refused'} (${status})`);
  }
  throw error;
}

export class RemoteDestination implements ReplicaDestination {
  private readonly client: S3Client;

  constructor(target: EventTargetRecord, private readonly bucket: string) {
    const { settings } = target;
    this.client = new S3Client({
      endpoint: settings['url'], region: settings['region'] ?? DEFAULT_REGION, forcePathStyle: true,
      credentials: { accessKeyId: settings['accessKeyId']!, secretAccessKey: settings['secretAccessKey']! },
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', maxAttempts: 1,
    });
  }

  async has(key: string, versionId: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }));
      return true;
    } catch (error) {
      const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
      // HEAD of a delete marker's version is 405 in S3: it is there.
      if (status === 405) return true;
      if (status === 404 || status === 400) return false;
      throw error;
    }
  }

  async putVersion(version: ReplicaVersion): Promise<void> {
    const { source } = version;
    try {
      if (source.parts !== undefined) return await this.putMultipart(version);
      await this.client.send(asReplica(new PutObjectCommand({
        ...replicaFields(this.bucket, version), Body: Readable.from(version.body()), ContentLength: source.sizeBytes, ...checksumFields(source.checksum),
      }), source.versionId));
    } catch (error) {
      refusal(error);
    }
  }

  /**
   * Part by part, each with its own checksum, so the replica has the same parts, ETag and checksum
   * (after a look: a completed upload is not answered idempotently as a PUT is).
   */
  private async putMultipart(version: ReplicaVersion): Promise<void> {
    const { source } = version;
    if (await this.has(source.key, source.versionId)) return;
    const created = await this.client.send(asReplica(new CreateMultipartUploadCommand({
      ...replicaFields(this.bucket, version),
      ...(source.checksum === undefined ? {} : { ChecksumAlgorithm: source.checksum.algorithm as ChecksumAlgorithm, ChecksumType: source.checksum.type }),
    }), source.versionId));
    const completed: CompletedPart[] = [];
    const stored = new Map((source.parts ?? []).map((part) => [part.partNumber, part]));
    for (const { partNumber, range, sizeBytes } of partRanges(source)) {
      const part = stored.get(partNumber)!;
      const body = sizeBytes === 0 ? Buffer.alloc(0) : Readable.from(version.body(range));
      const answer = await this.client.send(new UploadPartCommand({
        Bucket: this.bucket, Key: source.key, UploadId: created.UploadId, PartNumber: partNumber, Body: body, ContentLength: sizeBytes,
        ...checksumFields(part.checksum),
      }));
      completed.push({ PartNumber: partNumber, ETag: answer.ETag, ...checksumFields(part.checksum) });
    }
    await this.client.send(asReplica(new CompleteMultipartUploadCommand({
      Bucket: this.bucket, Key: source.key, UploadId: created.UploadId, MultipartUpload: { Parts: completed },
    }), source.versionId));
  }

  async putDeleteMarker(key: string, versionId: string): Promise<void> {
    await this.client.send(asReplica(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), versionId)).catch(refusal);
  }

  async putTags(key: string, versionId: string, tags: Tag[] | undefined): Promise<void> {
    const request = tags === undefined || tags.length === 0
      ? new DeleteObjectTaggingCommand({ Bucket: this.bucket, Key: key, VersionId: versionId })
      : new PutObjectTaggingCommand({ Bucket: this.bucket, Key: key, VersionId: versionId, Tagging: { TagSet: tags.map((tag) => ({ Key: tag.key, Value: tag.value })) } });
    await this.client.send(request as PutObjectTaggingCommand).catch(refusal);
  }

  close(): void {
    this.client.destroy();
  }
}
