// Table metadata files as objects in the table bucket's warehouse bucket: written durably through
// both layers (services/objects.ts) under `<location>/metadata/`, read back with a size limit, and
// purged with the table (every object under its location) when a drop asks for it.
import { randomUUID } from 'node:crypto';
import { deleteObject, type Layers } from '../../../services/objects.js';
import { readWholeObject, writeWholeObject } from '../../../services/whole-objects.js';
import { badRequest } from './errors.js';
import { isObject, losslessParse, losslessStringify, type TableMetadata } from './metadata-model.js';

/** The largest metadata.json this catalog reads or writes (commits grow it; the logs are bounded). */
export const METADATA_FILE_SIZE_BYTES_MAX = 16 * 1024 * 1024;
/** How many earlier metadata files the metadata log names (the spec's default of write.metadata.previous-versions-max). */
const METADATA_LOG_ENTRIES_MAX = 100;
const PURGE_PAGE_ENTRIES = 1000;

export function parseS3Location(location: string): { bucket: string; key: string } {
  const match = /^s3a?:\/\/([^/]+)\/(.+)$/.exec(location);
  if (match === null) throw badRequest(`Invalid location: ${location}`);
  return { bucket: match[1]!, key: match[2]! };
}

/** The name of a table's next metadata file: `<location>/metadata/<version>-<uuid>.metadata.json`. */
export function nextMetadataLocation(metadata: TableMetadata): string {
  const version = String(metadata['metadata-log'].length + 1).padStart(5, '0');
  return `${metadata.location}/metadata/${version}-${randomUUID()}.metadata.json`;
}

/** The metadata with the file it replaces appended to its log (the oldest entries dropped past the limit). */
export function withPreviousFile(metadata: TableMetadata, previousLocation: string | undefined, nowMs: number): TableMetadata {
  if (previousLocation === undefined) return metadata;
  const log = [...metadata['metadata-log'], { 'timestamp-ms': nowMs, 'metadata-file': previousLocation }];
  return { ...metadata, 'metadata-log': log.slice(-METADATA_LOG_ENTRIES_MAX) };
}

export async function writeMetadataFile(layers: Layers, location: string, metadata: TableMetadata): Promise<void> {
  const { bucket, key } = parseS3Location(location);
  const bytes = Buffer.from(losslessStringify(metadata), 'utf8');
  if (bytes.byteLength > METADATA_FILE_SIZE_BYTES_MAX) throw badRequest(`The table metadata would be larger than ${METADATA_FILE_SIZE_BYTES_MAX} bytes`);
  const outcome = await writeWholeObject(layers, { bucket, key, contentType: 'application/json' }, bytes);
  if (!outcome.stored) throw new Error(`metadata file ${location} not written: ${outcome.reason}`);
}

/** The metadata in a file, or undefined when the object is missing; a file that is not table metadata is a bad request. */
export async function readMetadataFile(layers: Layers, location: string): Promise<TableMetadata | undefined> {
  const { bucket, key } = parseS3Location(location);
  const object = await layers.index.getObject(bucket, key);
  if (object === undefined) return undefined;
  if (object.sizeBytes > METADATA_FILE_SIZE_BYTES_MAX) throw badRequest(`The metadata file ${location} is larger than ${METADATA_FILE_SIZE_BYTES_MAX} bytes`);
  const text = (await readWholeObject(layers, object)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = losslessParse(text);
  } catch {
    throw badRequest(`The metadata file ${location} is not valid JSON`);
  }
  if (!isObject(parsed) || typeof parsed['table-uuid'] !== 'string' || typeof parsed['location'] !== 'string' || typeof parsed['format-version'] !== 'number') {
    throw badRequest(`The file ${location} is not Iceberg table metadata`);
  }
  const defaults = { snapshots: [], refs: {}, 'snapshot-log': [], 'metadata-log': [], statistics: [], 'partition-statistics': [], properties: {} };
  return { ...defaults, ...parsed } as unknown as TableMetadata;
}

/** Deletes every object under a table's location (a drop with purgeRequested). */
export async function purgeLocation(layers: Layers, location: string): Promise<void> {
  const { bucket, key: prefix } = parseS3Location(`${location}/`);
  let after: string | undefined;
  for (;;) {
    const page = await layers.index.listObjects({ bucket, prefix, delimiter: '', after, maxEntries: PURGE_PAGE_ENTRIES });
    for (const object of page.objects) await deleteObject(layers, bucket, object.key);
    if (!page.isTruncated || page.lastEntry === undefined) return;
    after = page.lastEntry;
  }
}
