// A table's files as objects of its warehouse bucket, for the maintenance jobs: read whole (with a
// size limit), written durably through both layers, listed under the table's location with their
// ages, and deleted.
import { deleteObject, type Layers } from '../../../services/objects.js';
import { readWholeObject, writeWholeObject } from '../../../services/whole-objects.js';
import { parseS3Location } from '../iceberg/metadata-files.js';

/** The largest file a maintenance job reads into memory (a manifest, a manifest list, a data file). */
export const TABLE_FILE_SIZE_BYTES_MAX = 1024 * 1024 * 1024;
const LIST_PAGE_ENTRIES = 1000;

export async function readTableFile(layers: Layers, location: string): Promise<Buffer> {
  const { bucket, key } = parseS3Location(location);
  const object = await layers.index.getObject(bucket, key);
  if (object === undefined) throw new Error(`the table file ${location} does not exist`);
  if (object.sizeBytes > TABLE_FILE_SIZE_BYTES_MAX) throw new Error(`the table file ${location} is larger than ${TABLE_FILE_SIZE_BYTES_MAX} bytes`);
  return readWholeObject(layers, object);
}

export async function writeTableFile(layers: Layers, location: string, bytes: Buffer, contentType: string): Promise<void> {
  const { bucket, key } = parseS3Location(location);
  const outcome = await writeWholeObject(layers, { bucket, key, contentType }, bytes);
  if (!outcome.stored) throw new Error(`table file ${location} not written: ${outcome.reason}`);
}

export interface StoredTableFile {
  location: string;
  lastModifiedMs: number;
}

/** Every object under a table's location, as `s3://bucket/key` with its last-modified time. */
export async function listTableFiles(layers: Layers, tableLocation: string): Promise<StoredTableFile[]> {
  const { bucket, key: prefix } = parseS3Location(`${tableLocation}/`);
  const files: StoredTableFile[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await layers.index.listObjects({ bucket, prefix, delimiter: '', after, maxEntries: LIST_PAGE_ENTRIES });
    for (const object of page.objects) files.push({ location: `s3://${bucket}/${object.key}`, lastModifiedMs: object.lastModifiedMs });
    if (!page.isTruncated || page.lastEntry === undefined) return files;
    after = page.lastEntry;
  }
}

export async function deleteTableFile(layers: Layers, location: string): Promise<void> {
  const { bucket, key } = parseS3Location(location);
  await deleteObject(layers, bucket, key);
}
