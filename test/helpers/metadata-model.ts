// A scripted workload for S3 Metadata tests and the model it is checked against: lanes of random
// mutations (puts, copies that change metadata, tag changes, delete markers, version deletes,
// multipart uploads) on a versioning-enabled bucket, each lane on keys of its own and from a source
// address of its own, so the per-key history is exact while the lanes run concurrently.
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { Agent } from 'node:http';
import type { RunningServer } from './server.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY } from './server.js';

export const STORAGE_CLASSES: StorageClass[] = ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER'];

export interface ModelVersion {
  versionId: string;
  isDeleteMarker: boolean;
  size: number;
  etag: string | null;
  storageClass: string | null;
  isMultipart: boolean | null;
  tags: Record<string, string> | null;
  metadata: Record<string, string> | null;
}

export interface ModelEvent {
  key: string;
  recordType: 'CREATE' | 'UPDATE_METADATA' | 'DELETE';
  versionId: string;
  /** true: a delete marker; null: a permanent delete; false otherwise. */
  isDeleteMarker: boolean | null;
  sourceIp: string;
}

/** Every key's versions, oldest first (the latest is the last), and every journal event in order. */
export class BucketModel {
  readonly versions = new Map<string, ModelVersion[]>();
  readonly events: ModelEvent[] = [];

  add(key: string, version: ModelVersion, sourceIp: string): void {
    this.versions.set(key, [...(this.versions.get(key) ?? []), version]);
    this.events.push({ key, recordType: version.isDeleteMarker ? 'DELETE' : 'CREATE', versionId: version.versionId, isDeleteMarker: version.isDeleteMarker ? true : false, sourceIp });
  }

  latest(key: string): ModelVersion | undefined {
    const versions = this.versions.get(key) ?? [];
    return versions[versions.length - 1];
  }

  retag(key: string, tags: Record<string, string>, sourceIp: string): void {
    const latest = this.latest(key)!;
    latest.tags = tags;
    this.events.push({ key, recordType: 'UPDATE_METADATA', versionId: latest.versionId, isDeleteMarker: false, sourceIp });
  }

  removeVersion(key: string, versionId: string, sourceIp: string): void {
    this.versions.set(key, (this.versions.get(key) ?? []).filter((version) => version.versionId !== versionId));
    this.events.push({ key, recordType: 'DELETE', versionId, isDeleteMarker: null, sourceIp });
  }

  /** Every stored version (delete markers included), with whether it is its key's latest. */
  existing(): Array<ModelVersion & { key: string; isLatest: boolean }> {
    const rows: Array<ModelVersion & { key: string; isLatest: boolean }> = [];
    for (const [key, versions] of this.versions) {
      versions.forEach((version, position) => rows.push({ ...version, key, isLatest: position === versions.length - 1 }));
    }
    return rows;
  }
}

/** A small seeded generator (mulberry32): the same workload every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** An SDK client whose connections leave from `sourceIp` (any 127.x.y.z reaches a loopback server). */
export function clientFrom(server: RunningServer, sourceIp: string): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: TEST_REGION,
    credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
    requestHandler: { httpAgent: new Agent({ keepAlive: true, localAddress: sourceIp }) },
  });
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replaceAll('"', '');
}

/** One lane of the workload: `mutations` random changes to its own keys, in order. */
export async function runLane(options: {
  s3: S3Client; bucket: string; model: BucketModel; lane: number; keys: number; mutations: number; sourceIp: string; seed: number;
}): Promise<void> {
  const { s3, bucket, model, lane, sourceIp } = options;
  const random = seededRandom(options.seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const keyNames = Array.from({ length: options.keys }, (_, index) => `lane-${lane}/object-${index}${index % 5 === 0 ? '.jpg' : '.txt'}`);
  for (let step = 0; step < options.mutations; step += 1) {
    const key = pick(keyNames);
    const latest = model.latest(key);
    const live = latest !== undefined && !latest.isDeleteMarker;
    const roll = random();
    const metadata: Record<string, string> = random() < 0.5 ? {} : { owner: `lane-${lane}`, step: String(step) };
    const tags: Record<string, string> = random() < 0.3 ? { kind: pick(['photo', 'doc', 'log']) } : {};
    const storageClass = pick(STORAGE_CLASSES);
    if (roll < 0.42 || latest === undefined) {
      const body = 'x'.repeat(Math.floor(random() * 64));
      const tagging = Object.entries(tags).map(([name, value]) => `${name}=${value}`).join('&');
      const answer = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: metadata, StorageClass: storageClass, Tagging: tagging || undefined }));
      model.add(key, { versionId: answer.VersionId!, isDeleteMarker: false, size: body.length, etag: unquote(answer.ETag), storageClass, isMultipart: false, tags, metadata }, sourceIp);
    } else if (roll < 0.50 && live && latest.storageClass !== 'GLACIER') {
      // Changing an object's metadata means copying it onto itself (a new version); an archived
      // (GLACIER) one cannot be the source of a copy until restored, as in S3.
      const answer = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${bucket}/${encodeURIComponent(key)}`, MetadataDirective: 'REPLACE', Metadata: { ...metadata, copied: 'yes' } }));
      model.add(key, { ...latest, versionId: answer.VersionId!, storageClass: 'STANDARD', isMultipart: false, etag: unquote(answer.CopyObjectResult?.ETag), metadata: { ...metadata, copied: 'yes' } }, sourceIp);
    } else if (roll < 0.62 && live) {
      const newTags = { kind: pick(['photo', 'doc', 'log']), step: String(step) };
      await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet: Object.entries(newTags).map(([Key, Value]) => ({ Key, Value })) } }));
      model.retag(key, newTags, sourceIp);
    } else if (roll < 0.65 && live) {
      await s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: key }));
      model.retag(key, {}, sourceIp);
    } else if (roll < 0.80) {
      const answer = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      model.add(key, { versionId: answer.VersionId!, isDeleteMarker: true, size: 0, etag: null, storageClass: null, isMultipart: null, tags: null, metadata: null }, sourceIp);
    } else if (roll < 0.92) {
      const victim = pick(model.versions.get(key) ?? []);
      if (victim === undefined) continue;
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: victim.versionId }));
      model.removeVersion(key, victim.versionId, sourceIp);
    } else {
      const tagging = Object.entries(tags).map(([name, value]) => `${name}=${value}`).join('&');
      const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, Metadata: metadata, StorageClass: storageClass, Tagging: tagging || undefined }));
      const body = 'm'.repeat(1 + Math.floor(random() * 100));
      const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId!, PartNumber: 1, Body: body }));
      const answer = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId!,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
      model.add(key, { versionId: answer.VersionId!, isDeleteMarker: false, size: body.length, etag: unquote(answer.ETag), storageClass, isMultipart: true, tags, metadata }, sourceIp);
    }
  }
}
