// Manifests: GET and HEAD by tag or digest (the exact pushed bytes, Content-Type the pushed media
// type, Docker-Content-Digest), PUT by tag or digest (verified, its references judged in the
// index's one transaction), DELETE of a manifest (by digest) or of a tag.
import { createHash } from 'node:crypto';
import type { RegistryManifestRecord } from '../../index/types.js';
import { sendStatus, type RegistryContext } from './context.js';
import { manifestUnknown, OciError } from './errors.js';
import { MANIFEST_SIZE_BYTES_MAX, parseManifest, readLimitedBody } from './manifest-model.js';
import { checkDigest, checkTag, isDigest } from './names.js';

async function manifestOf(context: RegistryContext): Promise<RegistryManifestRecord> {
  const { index } = context.layers;
  const reference = context.target;
  const digest = isDigest(reference) ? checkDigest(reference) : await index.resolveRegistryTag(context.repository, checkTag(reference));
  const manifest = digest === undefined ? undefined : await index.getRegistryManifest(context.repository, digest);
  if (manifest === undefined) throw manifestUnknown(reference);
  return manifest;
}

/** Whether an Accept header takes `mediaType` (no header, or a wildcard, takes anything). */
function accepts(header: string | undefined, mediaType: string): boolean {
  if (header === undefined || header.trim() === '') return true;
  const types = header.split(',').map((entry) => entry.split(';')[0]!.trim().toLowerCase());
  return types.some((type) => type === mediaType.toLowerCase() || type === '*/*' || type === 'application/*');
}

export async function getManifest(context: RegistryContext): Promise<void> {
  const manifest = await manifestOf(context);
  const accept = context.req.headers.accept;
  if (!accepts(Array.isArray(accept) ? accept.join(',') : accept, manifest.mediaType)) {
    throw new OciError(404, 'MANIFEST_UNKNOWN', `manifest media type ${manifest.mediaType} is not in the Accept header`, { reference: context.target });
  }
  const { res } = context;
  res.statusCode = 200;
  res.setHeader('Content-Type', manifest.mediaType);
  res.setHeader('Content-Length', manifest.sizeBytes);
  res.setHeader('Docker-Content-Digest', manifest.digest);
  if (context.req.method !== 'HEAD') context.pulls.record(context.repository, manifest.digest, context.nowMs);
  res.end(context.req.method === 'HEAD' ? undefined : Buffer.from(manifest.bytes));
}

export async function putManifest(context: RegistryContext): Promise<void> {
  const reference = context.target;
  const byDigest = isDigest(reference);
  const tag = byDigest ? undefined : checkTag(reference);
  const bytes = await readLimitedBody(context.req, MANIFEST_SIZE_BYTES_MAX);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (byDigest && checkDigest(reference) !== digest) {
    throw new OciError(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', { digest: reference });
  }
  const parsed = parseManifest(bytes, context.req.headers['content-type']);
  const outcome = await context.layers.index.putRegistryManifest({
    repository: context.repository, digest, mediaType: parsed.mediaType, artifactType: parsed.artifactType ?? parsed.configMediaType,
    subjectDigest: parsed.subjectDigest, sizeBytes: bytes.byteLength, bytes, createdAtMs: context.nowMs,
  }, parsed.references, tag);
  if (!outcome.stored) {
    if (outcome.reason === 'tag-immutable') {
      throw new OciError(400, 'TAG_INVALID', `the tag ${tag} is immutable and already names another manifest`, { tag, digest: outcome.digest });
    }
    throw new OciError(400, 'MANIFEST_BLOB_UNKNOWN', 'manifest references a manifest or blob unknown to registry', { digest: outcome.digest });
  }
  const headers: Record<string, string> = { Location: `/v2/${context.repository}/manifests/${digest}`, 'Docker-Content-Digest': digest };
  if (parsed.subjectDigest !== undefined) headers['OCI-Subject'] = parsed.subjectDigest;
  sendStatus(context.res, 201, headers);
}

export async function deleteManifest(context: RegistryContext): Promise<void> {
  const { index } = context.layers;
  const reference = context.target;
  const outcome = isDigest(reference)
    ? await index.deleteRegistryManifest(context.repository, checkDigest(reference), context.nowMs)
    : await index.deleteRegistryTag(context.repository, checkTag(reference));
  if (outcome === 'missing') throw manifestUnknown(reference);
  sendStatus(context.res, 202);
}
