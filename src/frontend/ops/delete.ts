// DeleteObject and DeleteObjects (multi-object delete, quiet mode, per-key results).
import { DELETE_OBJECTS_BODY_SIZE_BYTES_MAX, DELETE_OBJECTS_KEYS_MAX, KEY_LENGTH_BYTES_MAX } from '../../limits.js';
import { deleteObject as deleteObjectVersion, deleteVersion, writeReplicaDeleteMarker } from '../../services/objects.js';
import { utf8ByteLength } from '../../util/utf8.js';
import { changeOrigin, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { hasIntegrityCheck, readSmallBody } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { asArray, node, parseXmlBody, xmlDocument, type XmlNode } from '../xml.js';
import { authorize } from '../auth/authorize.js';
import type { GovernanceBypass } from '../../index/types.js';
import { conditionError, writeConditionFromHeaders } from '../request/write-conditions.js';
import { requireBucket } from '../request/bucket.js';
import { replicaVersionId } from '../request/replica.js';
import { assertKeyLength } from '../request/key.js';
import { OBJECT_LOCK_DENIED_MESSAGE, governanceBypass, isLockRefusal, objectLockDenied } from '../request/object-lock.js';
import { VERSION_ID_PATTERN, checkedVersionId } from '../request/version-id.js';

export async function deleteObject(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  const versionIdText = context.query.get('versionId');
  const versionId = versionIdText === null ? null : checkedVersionId(versionIdText);
  const condition = writeConditionFromHeaders(context, false);
  await requireBucket(context);
  if (versionId !== null) {
    const outcome = await deleteVersion(context.layers, context.bucket!, context.key!, versionId, { ...(await governanceBypass(context)), origin: changeOrigin(context) });
    // Object Lock refused: the version stays exactly as it was.
    if (isLockRefusal(outcome.failure)) throw objectLockDenied();
    sendEmpty(context.res, 204, { 'x-amz-version-id': versionId, ...(outcome.wasDeleteMarker === true ? { 'x-amz-delete-marker': 'true' } : {}) });
    return;
  }
  const replicaOf = await replicaVersionId(context, 's3:ReplicateDelete');
  if (replicaOf !== undefined) {
    // A replicated delete marker keeps the source's version id (and arrives once even when sent twice).
    const known = await context.layers.index.getObjectVersion(context.bucket!, context.key!, replicaOf);
    if (known === undefined) await writeReplicaDeleteMarker(context.layers, context.bucket!, context.key!, replicaOf);
    sendEmpty(context.res, 204, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': replicaOf });
    return;
  }
  const outcome = await deleteObjectVersion(context.layers, context.bucket!, context.key!, condition, changeOrigin(context));
  if (outcome.failure !== undefined) {
    // Without a version id nothing is destroyed (a delete marker, or an unversioned bucket's object,
    // which Object Lock cannot protect), so only a write condition can fail here.
    if (isLockRefusal(outcome.failure)) throw objectLockDenied();
    throw conditionError(outcome.failure, context.key!);
  }
  const markerHeaders: Record<string, string> = outcome.deleteMarkerVersionId === undefined ? {} : { 'x-amz-delete-marker': 'true', 'x-amz-version-id': outcome.deleteMarkerVersionId };
  sendEmpty(context.res, 204, markerHeaders);
}

interface DeleteRequestEntry {
  key: string;
  versionId?: string;
}

function parseDeleteRequest(body: Buffer): { quiet: boolean; entries: DeleteRequestEntry[] } {
  const document = parseXmlBody(body)['Delete'];
  if (document === undefined || typeof document !== 'object' || document === null) throw new S3Error('MalformedXML');
  const fields = document as Record<string, unknown>;
  const quietText = fields['Quiet'];
  if (quietText !== undefined && quietText !== 'true' && quietText !== 'false') throw new S3Error('MalformedXML');
  const objects = asArray(fields['Object'] as unknown);
  if (objects.length === 0 || objects.length > DELETE_OBJECTS_KEYS_MAX) throw new S3Error('MalformedXML');
  const entries = objects.map((entry): DeleteRequestEntry => {
    if (typeof entry !== 'object' || entry === null) throw new S3Error('MalformedXML');
    const { Key: key, VersionId: versionId } = entry as Record<string, unknown>;
    if (typeof key !== 'string' || (versionId !== undefined && typeof versionId !== 'string')) throw new S3Error('MalformedXML');
    return { key, versionId };
  });
  return { quiet: quietText === 'true', entries };
}

async function deleteOne(context: RequestContext, entry: DeleteRequestEntry, bypass: GovernanceBypass): Promise<XmlNode> {
  const identity = [node('Key', entry.key), node('VersionId', entry.versionId)];
  const failure = (code: string, message: string) => node('Error', [...identity, node('Code', code), node('Message', message)]);
  if (entry.key === '') return failure('InvalidArgument', 'The key must not be empty.');
  if (utf8ByteLength(entry.key) > KEY_LENGTH_BYTES_MAX) return failure('KeyTooLongError', 'Your key is too long.');
  if (entry.versionId !== undefined && !VERSION_ID_PATTERN.test(entry.versionId)) return failure('NoSuchVersion', 'The specified version does not exist.');
  // DeleteObjects has no action of its own: each key is a DeleteObject (or DeleteObjectVersion) of it.
  const action = entry.versionId === undefined ? 's3:DeleteObject' : 's3:DeleteObjectVersion';
  if (!(await authorize(context, action, { bucket: context.bucket!, key: entry.key }))) return failure('AccessDenied', 'Access Denied');
  try {
    if (entry.versionId !== undefined) {
      const outcome = await deleteVersion(context.layers, context.bucket!, entry.key, entry.versionId, { ...bypass, origin: changeOrigin(context) });
      if (isLockRefusal(outcome.failure)) return failure('AccessDenied', OBJECT_LOCK_DENIED_MESSAGE);
      const marker = outcome.wasDeleteMarker === true ? [node('DeleteMarker', true), node('DeleteMarkerVersionId', entry.versionId)] : [];
      return node('Deleted', [...identity, ...marker]);
    }
    const outcome = await deleteObjectVersion(context.layers, context.bucket!, entry.key, undefined, changeOrigin(context));
    if (outcome.deleteMarkerVersionId !== undefined) {
      return node('Deleted', [...identity, node('DeleteMarker', true), node('DeleteMarkerVersionId', outcome.deleteMarkerVersionId)]);
    }
    return node('Deleted', identity);
  } catch (error) {
    context.log(`request ${context.requestId}: delete of ${context.bucket}/${entry.key} failed: ${String(error)}`);
    return failure('InternalError', 'We encountered an internal error. Please try again.');
  }
}

export async function deleteObjects(context: RequestContext): Promise<void> {
  if (!hasIntegrityCheck(context)) throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5');
  await requireBucket(context);
  const { body } = await readSmallBody(context, DELETE_OBJECTS_BODY_SIZE_BYTES_MAX);
  const { quiet, entries } = parseDeleteRequest(body);
  // Concurrent deletes share index and storage group commits.
  const bypass = await governanceBypass(context);
  const results = await Promise.all(entries.map((entry) => deleteOne(context, entry, bypass)));
  const reported = quiet ? results.filter((result) => result.name === 'Error') : results;
  sendXml(context.res, 200, xmlDocument('DeleteResult', reported));
}
