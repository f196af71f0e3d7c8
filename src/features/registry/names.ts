// The registry's names: repository names, tags and digests as the OCI distribution spec writes
// them, the system bucket that holds every blob once (a name S3 clients cannot create: S3 reserves
// the `sthree-` prefix), the object keys inside it, and the ECR ARN a repository is judged on.
import { OciError } from './errors.js';

/** Blobs and upload chunks live here; S3 requests may only read it (surfaces.ts protects it). */
export const REGISTRY_BUCKET = 'sthree-cairn-registry';
/** ECR allows repository names up to 256 characters; the spec's reference registry 255. */
const REPOSITORY_NAME_LENGTH_MAX = 255;
const REPOSITORY_NAME_PATTERN = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** The one digest algorithm this registry computes. */
const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;
/** Any digest the spec's grammar allows (an algorithm this registry does not compute is UNSUPPORTED). */
const ANY_DIGEST_PATTERN = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function checkRepositoryName(name: string): string {
  if (name.length > REPOSITORY_NAME_LENGTH_MAX || !REPOSITORY_NAME_PATTERN.test(name)) {
    throw new OciError(400, 'NAME_INVALID', 'invalid repository name', { name: name.slice(0, REPOSITORY_NAME_LENGTH_MAX + 1) });
  }
  return name;
}

export function isDigest(reference: string): boolean {
  return ANY_DIGEST_PATTERN.test(reference) && reference.includes(':');
}

/** Whether `digest` is one this registry can verify (sha256, 64 lowercase hex digits). */
export function isVerifiableDigest(digest: string): boolean {
  return DIGEST_PATTERN.test(digest);
}

/** A digest this registry can verify; DIGEST_INVALID for anything else. */
export function checkDigest(digest: string | null | undefined): string {
  if (digest === null || digest === undefined || !DIGEST_PATTERN.test(digest)) {
    throw new OciError(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', { digest: digest ?? '' });
  }
  return digest;
}

export function checkTag(tag: string): string {
  if (!TAG_PATTERN.test(tag)) throw new OciError(400, 'TAG_INVALID', 'manifest tag did not match URI', { tag: tag.slice(0, 129) });
  return tag;
}

/** The object key of a blob in the system bucket. */
export function blobKey(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}

/** The object key of chunk `index` of an upload session. */
export function uploadChunkKey(uploadId: string, index: number): string {
  return `uploads/${uploadId}/${index}`;
}

export function repositoryArn(region: string, accountId: string, name: string): string {
  return `arn:aws:ecr:${region}:${accountId}:repository/${name}`;
}
