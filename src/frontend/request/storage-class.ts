// The storage classes a write may name (x-amz-storage-class).
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';

/** Storage classes a PUT may name; the erasure-coding issue gives them different layouts. */
export const ACCEPTED_STORAGE_CLASSES = new Set([
  'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE',
  'GLACIER_IR', 'EXPRESS_ONEZONE',
]);

export function requestedStorageClass(context: RequestContext): string {
  const storageClass = header(context, 'x-amz-storage-class') ?? 'STANDARD';
  if (!ACCEPTED_STORAGE_CLASSES.has(storageClass)) throw new S3Error('InvalidStorageClass');
  return storageClass;
}
