// Version ids: the shape a request may name, and the x-amz-version-id header a write answers.
import { S3Error } from '../errors.js';
import { header } from '../context.js';

/** S3 version ids here: the 32-hex data id of a version, or "null". */
export const VERSION_ID_PATTERN = /^(null|[0-9a-f]{32})$/;

/** A version id the request names, checked for shape (InvalidArgument as S3). */
export function checkedVersionId(versionId: string): string {
  if (!VERSION_ID_PATTERN.test(versionId)) {
    throw new S3Error('InvalidArgument', 'Invalid version id specified', { extraFields: { ArgumentName: 'versionId', ArgumentValue: versionId } });
  }
  return versionId;
}

/** x-amz-version-id for a version a versioning-enabled bucket made (none for the 'null' version). */
export function versionIdHeader(versionId: string): Record<string, string> {
  return versionId === 'null' ? {} : { 'x-amz-version-id': versionId };
}
