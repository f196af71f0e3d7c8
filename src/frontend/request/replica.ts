// Replica writes from another Cairn's replicator (docs: README "Replication"). A write that carries
// x-cairn-replica-version-id is a replica of that version: it is stored under the very version id
// (so the copy keeps the source's version ids and their order) with x-amz-replication-status
// REPLICA, and is never replicated again. Only a caller allowed s3:ReplicateObject (PUT, multipart)
// or s3:ReplicateDelete (delete markers) on the key may send it; the bucket must keep versions.
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { requireAuthorized } from '../auth/authorize.js';
import { requireBucket } from './bucket.js';

export const REPLICA_VERSION_HEADER = 'x-cairn-replica-version-id';
/** Cairn's version ids: the 32 hex digits of a time-ordered data id (src/util/ids.ts). */
const REPLICA_VERSION_ID_PATTERN = /^[0-9a-f]{32}$/;

/** The version id a replica write keeps, checked and authorized; undefined for an ordinary write. */
export async function replicaVersionId(context: RequestContext, action: 's3:ReplicateObject' | 's3:ReplicateDelete'): Promise<string | undefined> {
  const value = header(context, REPLICA_VERSION_HEADER);
  if (value === undefined) return undefined;
  if (!REPLICA_VERSION_ID_PATTERN.test(value)) {
    throw new S3Error('InvalidArgument', 'The replica version id is not a Cairn version id.', { extraFields: { ArgumentName: REPLICA_VERSION_HEADER, ArgumentValue: value } });
  }
  await requireAuthorized(context, action);
  const bucket = await requireBucket(context);
  if (bucket.versioning !== 'Enabled') throw new S3Error('InvalidRequest', 'Destination bucket must have versioning enabled.');
  return value;
}
