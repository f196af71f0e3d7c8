// RestoreObject (POST ?restore): makes an archived version (GLACIER, DEEP_ARCHIVE) readable for
// Days after a delay per class and tier. 202 for a new restore, 200 for a restored copy whose expiry
// moves, 409 RestoreAlreadyInProgress while one is under way. No bytes are copied: the restored
// copy is the version itself, readable while its restore state says so (services/restore.ts).
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import { RESTORE_TIERS, type RestoreTier } from '../../index/types.js';
import { extendedRestore, newRestore } from '../../services/restore.js';
import { changeOrigin, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { readSmallBody } from '../payload.js';
import { sendEmpty } from '../respond.js';
import { parseXmlBody } from '../xml.js';
import { isArchived, restorePhaseOf, restoreTimingOf } from '../request/archive.js';
import { requireBucket } from '../request/bucket.js';
import { assertKeyLength } from '../request/key.js';
import { requireObject } from '../request/object.js';

/** The longest a restored copy may be kept, in days (a century: S3 documents no maximum). */
export const RESTORE_DAYS_MAX = 36_500;

interface RestoreRequest {
  days: number;
  tier: RestoreTier;
}

function textOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new S3Error('MalformedXML');
  return value.trim();
}

function parseRestoreRequest(body: Buffer): RestoreRequest {
  const root = parseXmlBody(body)['RestoreRequest'];
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new S3Error('MalformedXML');
  const fields = root as Record<string, unknown>;
  if (fields['Type'] !== undefined || fields['SelectParameters'] !== undefined || fields['OutputLocation'] !== undefined) {
    throw new S3Error('NotImplemented', 'RestoreObject of type SELECT is not implemented.');
  }
  const daysText = textOf(fields['Days']);
  if (daysText === undefined || !/^-?\d{1,9}$/.test(daysText)) throw new S3Error('MalformedXML');
  const days = Number(daysText);
  if (days < 1 || days > RESTORE_DAYS_MAX) throw new S3Error('InvalidArgument', `Days must be from 1 to ${RESTORE_DAYS_MAX}.`, { extraFields: { ArgumentName: 'Days', ArgumentValue: daysText } });
  const parameters = fields['GlacierJobParameters'];
  let tierText = textOf(fields['Tier']);
  if (parameters !== undefined) {
    if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) throw new S3Error('MalformedXML');
    tierText = textOf((parameters as Record<string, unknown>)['Tier']) ?? tierText;
  }
  if (tierText !== undefined && !(RESTORE_TIERS as readonly string[]).includes(tierText)) throw new S3Error('MalformedXML');
  return { days, tier: (tierText ?? 'Standard') as RestoreTier };
}

export async function restoreObject(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  await requireBucket(context);
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  const request = parseRestoreRequest(body);
  const versionId = context.query.get('versionId');
  const object = await requireObject(context, context.bucket!, context.key!, versionId);
  if (!isArchived(object)) throw new S3Error('InvalidObjectState', "Restore is not allowed for the object's current storage class", { extraFields: { StorageClass: object.storageClass } });
  const phase = await restorePhaseOf(context, object);
  if (phase?.phase === 'ongoing') throw new S3Error('RestoreAlreadyInProgress');
  const nowMs = Date.now();
  const timing = restoreTimingOf(context);
  const state = phase?.phase === 'restored'
    ? extendedRestore(phase.state, request.days, nowMs, timing)
    : newRestore(object.storageClass, request.tier, request.days, nowMs, timing);
  if (!(await context.layers.index.putObjectRestore(object.bucket, object.key, object.dataId, state, nowMs, changeOrigin(context)))) {
    // Deleted between the read and the write: as if it had not been found.
    throw new S3Error('NoSuchKey', undefined, { extraFields: { Key: context.key! } });
  }
  const headers: Record<string, string> = versionId === null || object.versionId === 'null' ? {} : { 'x-amz-version-id': object.versionId };
  sendEmpty(context.res, phase?.phase === 'restored' ? 200 : 202, headers);
}
