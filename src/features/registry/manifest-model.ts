// What the registry reads in a pushed manifest: its media type (the Content-Type, which must agree
// with the body's own mediaType), what it references (blobs, or manifests for an index), its
// subject and artifact type. The bytes themselves are stored exactly as pushed.
import type { IncomingMessage } from 'node:http';
import type { ManifestReferences } from '../../index/types.js';
import { OciError } from './errors.js';
import { checkDigest } from './names.js';

/** The spec asks registries to take manifests of at least 4 MiB; this is the limit. */
export const MANIFEST_SIZE_BYTES_MAX = 4 * 1024 * 1024;
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const IMAGE_TYPES: ReadonlySet<string> = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);
const INDEX_TYPES: ReadonlySet<string> = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);

export interface ParsedManifest {
  mediaType: string;
  references: ManifestReferences;
  subjectDigest?: string;
  artifactType?: string;
  /** The config's media type (a referrer's artifact type when it names none). */
  configMediaType?: string;
  annotations?: Record<string, string>;
}

export const manifestInvalid = (message: string, detail: Record<string, unknown> = {}): OciError => new OciError(400, 'MANIFEST_INVALID', message, detail);

/**
 * An oversized body is read on (and dropped) up to this many bytes before the 413 is sent, so that a
 * client still sending gets the answer instead of a reset connection; a larger one is cut off.
 */
const OVERSIZED_BODY_DRAIN_BYTES_MAX = 4 * MANIFEST_SIZE_BYTES_MAX;

/** The body, refused with 413 once it passes `limitBytes` (nothing past the limit is kept). */
export async function readLimitedBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  const tooLarge = new OciError(413, 'SIZE_INVALID', `manifest larger than ${limitBytes} bytes`, { limit: limitBytes });
  if (declared > OVERSIZED_BODY_DRAIN_BYTES_MAX) throw tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const piece = chunk as Buffer;
    size += piece.byteLength;
    if (size > OVERSIZED_BODY_DRAIN_BYTES_MAX) throw tooLarge;
    if (size <= limitBytes) chunks.push(piece);
  }
  if (size > limitBytes) throw tooLarge;
  return Buffer.concat(chunks);
}

function descriptorDigest(value: unknown, where: string): string {
  const digest = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['digest'] : undefined;
  if (typeof digest !== 'string') throw manifestInvalid(`${where} has no digest`);
  try {
    return checkDigest(digest);
  } catch {
    throw manifestInvalid(`${where} has an invalid digest`, { digest });
  }
}

function descriptors(value: unknown, where: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw manifestInvalid(`${where} is not a list`);
  return value;
}

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw manifestInvalid(`${name} is not a string`);
  return value;
}

export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw manifestInvalid('manifest is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw manifestInvalid('manifest is not a JSON object');
  const fields = body as Record<string, unknown>;
  const declared = stringField(fields, 'mediaType');
  const headerType = contentType?.split(';')[0]?.trim();
  const mediaType = headerType === undefined || headerType === '' ? declared : headerType;
  if (mediaType === undefined) throw manifestInvalid('manifest media type unknown: no Content-Type and no mediaType');
  if (declared !== undefined && declared !== mediaType) throw manifestInvalid('Content-Type does not match the manifest mediaType', { mediaType: declared });
  if (fields['schemaVersion'] !== 2) throw manifestInvalid('schemaVersion must be 2');
  const subject = fields['subject'] === undefined ? undefined : descriptorDigest(fields['subject'], 'subject');
  const annotations = typeof fields['annotations'] === 'object' && fields['annotations'] !== null ? fields['annotations'] as Record<string, string> : undefined;
  const artifactType = stringField(fields, 'artifactType');
  if (INDEX_TYPES.has(mediaType)) {
    const manifests = descriptors(fields['manifests'], 'manifests').map((entry, position) => descriptorDigest(entry, `manifests[${position}]`));
    return { mediaType, references: { blobs: [], manifests }, subjectDigest: subject, artifactType, annotations };
  }
  if (IMAGE_TYPES.has(mediaType)) {
    const config = fields['config'];
    const configDigest = descriptorDigest(config, 'config');
    const layers = descriptors(fields['layers'], 'layers').map((entry, position) => descriptorDigest(entry, `layers[${position}]`));
    const configMediaType = (config as Record<string, unknown>)['mediaType'];
    return {
      mediaType, references: { blobs: [configDigest, ...layers], manifests: [] }, subjectDigest: subject, artifactType, annotations,
      configMediaType: typeof configMediaType === 'string' ? configMediaType : undefined,
    };
  }
  throw manifestInvalid(`unsupported manifest media type ${mediaType}`, { mediaType });
}
