// Shared by the Object Lock tests: lock buckets, future instants, and raw requests that carry the
// Content-MD5 S3 demands on Object Lock writes.
import { CreateBucketCommand, GetObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { md5Base64, rawRequest, type RawResponse } from './clients.js';
import type { RunningServer } from './server.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** An instant `days` from now, on a whole second (S3 dates round-trip exactly then). */
export function daysFromNow(days: number): Date {
  return new Date(Math.floor((Date.now() + days * DAY_MS) / 1000) * 1000);
}

export async function createLockBucket(s3: S3Client, Bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: true }));
}

export async function readVersion(s3: S3Client, Bucket: string, Key: string, VersionId?: string): Promise<string> {
  return (await (await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }))).Body!.transformToString());
}

/** Every version and delete marker of a bucket, as "key@id" strings. */
export async function versionIds(s3: S3Client, Bucket: string): Promise<{ versions: string[]; markers: string[] }> {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
  return {
    versions: (listed.Versions ?? []).map((version) => `${version.Key}@${version.VersionId}`),
    markers: (listed.DeleteMarkers ?? []).map((marker) => `${marker.Key}@${marker.VersionId}`),
  };
}

/** A signed raw PUT of an XML body with a correct Content-MD5 (unless `withMd5` is false). */
export function putXml(server: RunningServer, path: string, query: Record<string, string>, body: string, options: { withMd5?: boolean; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const md5: Record<string, string> = options.withMd5 === false ? {} : { 'content-md5': md5Base64(body) };
  return rawRequest(server, { method: 'PUT', path, query, body, headers: { ...md5, ...options.headers } });
}

export function lockConfigurationXml(rule?: { mode: string; days?: string; years?: string }, enabled = 'Enabled'): string {
  const period = `${rule?.days === undefined ? '' : `<Days>${rule.days}</Days>`}${rule?.years === undefined ? '' : `<Years>${rule.years}</Years>`}`;
  const ruleXml = rule === undefined ? '' : `<Rule><DefaultRetention><Mode>${rule.mode}</Mode>${period}</DefaultRetention></Rule>`;
  return `<ObjectLockConfiguration><ObjectLockEnabled>${enabled}</ObjectLockEnabled>${ruleXml}</ObjectLockConfiguration>`;
}

export function retentionXml(mode?: string, retainUntil?: string): string {
  return `<Retention>${mode === undefined ? '' : `<Mode>${mode}</Mode>`}${retainUntil === undefined ? '' : `<RetainUntilDate>${retainUntil}</RetainUntilDate>`}</Retention>`;
}
