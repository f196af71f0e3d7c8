// S3 Object Lock on the wire of object writes and reads: the x-amz-object-lock-* headers of
// PutObject, CopyObject and CreateMultipartUpload (checked against the bucket's configuration
// before a byte is written), and the same headers on GetObject / HeadObject.
import type { ServerResponse } from 'node:http';
import type { LegalHoldStatus, ObjectLockConfiguration, ObjectLockMode, ObjectRecord, ObjectRetention } from '../index/types.js';
import { requireAuthorized } from './auth/authorize.js';
import { header, type RequestContext } from './context.js';
import { S3Error } from './errors.js';
import { hasIntegrityCheck } from './payload.js';
import { requestBucketSetting } from './request/bucket.js';
import { isoDate } from './time.js';

const MODE_HEADER = 'x-amz-object-lock-mode';
const RETAIN_UNTIL_HEADER = 'x-amz-object-lock-retain-until-date';
const LEGAL_HOLD_HEADER = 'x-amz-object-lock-legal-hold';
export const OBJECT_LOCK_MODES: ReadonlySet<string> = new Set<ObjectLockMode>(['GOVERNANCE', 'COMPLIANCE']);
export const LEGAL_HOLD_STATUSES: ReadonlySet<string> = new Set<LegalHoldStatus>(['ON', 'OFF']);
/** ISO 8601: a date, optionally a time with seconds, fraction and zone (what SDKs and the CLI send). */
const ISO_8601_PATTERN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** What a write asks Object Lock to put on the new version. */
export interface RequestedObjectLock {
  retention?: ObjectRetention;
  legalHold?: LegalHoldStatus;
}

/** A bucket's Object Lock configuration (with the request's bucket read); undefined when Object Lock is not enabled on it. */
export function objectLockConfigurationOf(context: RequestContext, bucket: string): Promise<ObjectLockConfiguration | undefined> {
  return requestBucketSetting(context, bucket, 'object-lock');
}

export function missingObjectLockConfiguration(): S3Error {
  return new S3Error('InvalidRequest', 'Bucket is missing Object Lock Configuration');
}

/** The last instant a four-digit ISO 8601 year can name; later ones cannot be printed back the same way. */
const ISO_INSTANT_MS_MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** An ISO 8601 instant in milliseconds; undefined when the text is not one. */
export function parseIsoInstantMs(text: string): number | undefined {
  if (!ISO_8601_PATTERN.test(text)) return undefined;
  const instantMs = Date.parse(text);
  return Number.isFinite(instantMs) && instantMs <= ISO_INSTANT_MS_MAX ? instantMs : undefined;
}

function invalidArgument(message: string, name: string, value?: string): S3Error {
  return new S3Error('InvalidArgument', message, { extraFields: { ArgumentName: name, ...(value === undefined ? {} : { ArgumentValue: value }) } });
}

function requestedRetention(context: RequestContext, nowMs: number): ObjectRetention | undefined {
  const mode = header(context, MODE_HEADER);
  const retainUntil = header(context, RETAIN_UNTIL_HEADER);
  if (mode === undefined && retainUntil === undefined) return undefined;
  if (mode === undefined || retainUntil === undefined) {
    const missing = mode === undefined ? MODE_HEADER : RETAIN_UNTIL_HEADER;
    throw invalidArgument(`${RETAIN_UNTIL_HEADER} and ${MODE_HEADER} must both be supplied.`, missing);
  }
  if (!OBJECT_LOCK_MODES.has(mode)) throw invalidArgument('Unknown wormMode directive.', MODE_HEADER, mode);
  const retainUntilMs = parseIsoInstantMs(retainUntil);
  if (retainUntilMs === undefined) throw invalidArgument('The retain until date must be provided in ISO 8601 format', RETAIN_UNTIL_HEADER, retainUntil);
  if (retainUntilMs <= nowMs) throw invalidArgument('The retain until date must be in the future!', RETAIN_UNTIL_HEADER, retainUntil);
  return { mode: mode as ObjectLockMode, retainUntilMs };
}

/**
 * The Object Lock state a write's headers name for its new version, checked as S3 checks it: only a
 * bucket with Object Lock takes them, mode and date come together, the date lies in the future.
 */
export function objectLockFromHeaders(context: RequestContext, configuration: ObjectLockConfiguration | undefined): RequestedObjectLock {
  const named = [MODE_HEADER, RETAIN_UNTIL_HEADER, LEGAL_HOLD_HEADER].some((name) => header(context, name) !== undefined);
  if (!named) return {};
  if (configuration === undefined) throw missingObjectLockConfiguration();
  const retention = requestedRetention(context, Date.now());
  const legalHold = header(context, LEGAL_HOLD_HEADER);
  if (legalHold !== undefined && !LEGAL_HOLD_STATUSES.has(legalHold)) {
    throw invalidArgument("Legal Hold must be either of 'ON' or 'OFF'", LEGAL_HOLD_HEADER, legalHold);
  }
  return { retention, legalHold: legalHold as LegalHoldStatus | undefined };
}

/**
 * PutObject of a version Object Lock will protect (lock headers, or the bucket's default retention)
 * must prove its body's integrity, as S3 demands.
 */
export function assertLockedPutHasIntegrityCheck(context: RequestContext, requested: RequestedObjectLock, configuration: ObjectLockConfiguration | undefined): void {
  const protects = requested.retention !== undefined || requested.legalHold !== undefined || configuration?.defaultRetention !== undefined;
  if (protects && !hasIntegrityCheck(context)) {
    throw new S3Error('InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters');
  }
}

/**
 * Whether the caller may see a version's Object Lock state on GET/HEAD (S3 needs
 * s3:GetObjectRetention / s3:GetObjectLegalHold for that). Every authenticated caller is the root
 * identity today; the IAM evaluator decides here once users exist.
 */
export function mayReadObjectLockState(_context: RequestContext): boolean {
  return true;
}

/** x-amz-object-lock-* response headers for the version's stored state. */
export function setObjectLockResponseHeaders(res: ServerResponse, object: ObjectRecord): void {
  if (object.retention !== undefined) {
    res.setHeader(MODE_HEADER, object.retention.mode);
    res.setHeader(RETAIN_UNTIL_HEADER, isoDate(object.retention.retainUntilMs));
  }
  if (object.legalHold !== undefined) res.setHeader(LEGAL_HOLD_HEADER, object.legalHold);
}

/**
 * A write that sets a retention or legal hold through its headers needs those permissions as well
 * (s3:PutObjectRetention, s3:PutObjectLegalHold), as S3 requires.
 */
export async function authorizeLockHeaders(context: RequestContext): Promise<void> {
  if (header(context, MODE_HEADER) !== undefined || header(context, RETAIN_UNTIL_HEADER) !== undefined) {
    await requireAuthorized(context, 's3:PutObjectRetention');
  }
  if (header(context, LEGAL_HOLD_HEADER) !== undefined) await requireAuthorized(context, 's3:PutObjectLegalHold');
}
