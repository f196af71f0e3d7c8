// S3 Object Lock: Put/GetObjectLockConfiguration (a bucket's default retention), Put/GetObjectRetention
// and Put/GetObjectLegalHold (one version's lock), and the governance bypass decision. The rules
// themselves (what may be destroyed or weakened) live in the index, which applies them inside the
// write transaction; this file parses, validates and answers in S3's wire format.
import type { LegalHoldStatus, ObjectLockChangeOutcome, ObjectLockConfiguration, ObjectLockMode, ObjectRetention } from '../../index/types.js';
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { LEGAL_HOLD_STATUSES, missingObjectLockConfiguration, OBJECT_LOCK_MODES, parseIsoInstantMs } from '../object-lock-headers.js';
import { hasIntegrityCheck, readSmallBody } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { isoDate } from '../time.js';
import { node, parseXmlBody, xmlDocument } from '../xml.js';
import { requireBucket } from '../request/bucket.js';
import { assertKeyLength } from '../request/key.js';
import { governanceBypass, isLockRefusal, objectLockDenied } from '../request/object-lock.js';
import { requireObject } from '../request/object.js';

/** S3's bounds on a default retention period. */
const DEFAULT_RETENTION_DAYS_MAX = 36500;
const DEFAULT_RETENTION_YEARS_MAX = 100;

/** Object Lock configuration writes must carry Content-MD5 or a checksum, as S3 demands. */
function assertIntegrityCheck(context: RequestContext): void {
  if (!hasIntegrityCheck(context)) throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5');
}

async function requireObjectLock(context: RequestContext): Promise<ObjectLockConfiguration> {
  const configuration = await context.layers.index.readBucketSetting(context.bucket!, 'object-lock');
  if (configuration === undefined) throw missingObjectLockConfiguration();
  return configuration;
}

/** The root element of an XML body as a map of its children; MalformedXML otherwise. */
async function xmlBodyRoot(context: RequestContext, rootName: string): Promise<Record<string, unknown>> {
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  const root = parseXmlBody(body)[rootName];
  if (root === '') return {};
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new S3Error('MalformedXML');
  return root as Record<string, unknown>;
}

function retentionPeriod(text: unknown, name: 'Days' | 'Years', periodMax: number): number {
  if (typeof text !== 'string' || !/^-?\d{1,12}$/.test(text.trim())) throw new S3Error('MalformedXML');
  const period = Number(text.trim());
  const problem = period <= 0 ? 'Default retention period must be a positive integer value.'
    : period > periodMax ? `Default retention period must not exceed ${periodMax} ${name.toLowerCase()}.` : undefined;
  if (problem !== undefined) throw new S3Error('InvalidArgument', problem, { extraFields: { ArgumentName: name, ArgumentValue: text.trim() } });
  return period;
}

function parseDefaultRetention(rule: unknown): ObjectLockConfiguration['defaultRetention'] {
  if (rule === undefined) return undefined;
  const retention = typeof rule === 'object' && rule !== null ? (rule as Record<string, unknown>)['DefaultRetention'] : undefined;
  if (typeof retention !== 'object' || retention === null || Array.isArray(retention)) throw new S3Error('MalformedXML');
  const { Mode: mode, Days: days, Years: years } = retention as Record<string, unknown>;
  if (typeof mode !== 'string' || !OBJECT_LOCK_MODES.has(mode)) throw new S3Error('MalformedXML');
  // Exactly one of Days and Years: S3 refuses both, and a rule without a period.
  if ((days === undefined) === (years === undefined)) throw new S3Error('MalformedXML');
  if (days !== undefined) return { mode: mode as ObjectLockMode, days: retentionPeriod(days, 'Days', DEFAULT_RETENTION_DAYS_MAX) };
  return { mode: mode as ObjectLockMode, years: retentionPeriod(years, 'Years', DEFAULT_RETENTION_YEARS_MAX) };
}

export async function putObjectLockConfiguration(context: RequestContext): Promise<void> {
  await requireBucket(context);
  assertIntegrityCheck(context);
  const root = await xmlBodyRoot(context, 'ObjectLockConfiguration');
  // Object Lock can only be enabled, never disabled: "Enabled" is the one value S3 accepts.
  if (root['ObjectLockEnabled'] !== 'Enabled') throw new S3Error('MalformedXML');
  const defaultRetention = parseDefaultRetention(root['Rule']);
  const configuration: ObjectLockConfiguration = defaultRetention === undefined ? { enabled: true } : { enabled: true, defaultRetention };
  const outcome = await context.layers.index.setObjectLockConfiguration(context.bucket!, configuration);
  if (outcome === 'no-such-bucket') throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  if (outcome === 'versioning-not-enabled') {
    throw new S3Error('InvalidBucketState', "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration");
  }
  sendEmpty(context.res, 200);
}

export async function getObjectLockConfiguration(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const configuration = await context.layers.index.readBucketSetting(context.bucket!, 'object-lock');
  if (configuration === undefined) throw new S3Error('ObjectLockConfigurationNotFoundError', undefined, { extraFields: { BucketName: context.bucket! } });
  const rule = configuration.defaultRetention;
  const period = rule?.days !== undefined ? node('Days', rule.days) : node('Years', rule?.years);
  sendXml(context.res, 200, xmlDocument('ObjectLockConfiguration', [
    node('ObjectLockEnabled', 'Enabled'),
    node('Rule', rule === undefined ? undefined : [node('DefaultRetention', [node('Mode', rule.mode), period])]),
  ]));
}

/** A change the index refused or could not make, as S3 answers it. */
function lockChangeError(context: RequestContext, outcome: Exclude<ObjectLockChangeOutcome, 'set'>, versionId: string): S3Error {
  if (isLockRefusal(outcome)) return objectLockDenied();
  if (outcome === 'object-lock-not-enabled') return missingObjectLockConfiguration();
  // The version went away between the lookup and the write.
  return new S3Error('NoSuchVersion', undefined, { extraFields: { Key: context.key!, VersionId: versionId } });
}

/** <Retention/> empty removes a retention; otherwise Mode and RetainUntilDate come together. */
function parseRetention(root: Record<string, unknown>): ObjectRetention | undefined {
  const { Mode: mode, RetainUntilDate: retainUntil } = root;
  if (mode === undefined && retainUntil === undefined) return undefined;
  if (typeof mode !== 'string' || !OBJECT_LOCK_MODES.has(mode) || typeof retainUntil !== 'string') throw new S3Error('MalformedXML');
  const retainUntilMs = parseIsoInstantMs(retainUntil.trim());
  if (retainUntilMs === undefined) throw new S3Error('MalformedXML');
  if (retainUntilMs <= Date.now()) {
    throw new S3Error('InvalidArgument', 'The retain until date must be in the future!', { extraFields: { ArgumentName: 'RetainUntilDate', ArgumentValue: retainUntil } });
  }
  return { mode: mode as ObjectLockMode, retainUntilMs };
}

export async function putObjectRetention(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  await requireBucket(context);
  assertIntegrityCheck(context);
  await requireObjectLock(context);
  const retention = parseRetention(await xmlBodyRoot(context, 'Retention'));
  const version = await requireObject(context, context.bucket!, context.key!, context.query.get('versionId'));
  const outcome = await context.layers.index.setObjectRetention(context.bucket!, context.key!, version.versionId, retention, await governanceBypass(context));
  if (outcome !== 'set') throw lockChangeError(context, outcome, version.versionId);
  sendEmpty(context.res, 200);
}

export async function getObjectRetention(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  await requireBucket(context);
  await requireObjectLock(context);
  const version = await requireObject(context, context.bucket!, context.key!, context.query.get('versionId'));
  if (version.retention === undefined) throw new S3Error('NoSuchObjectLockConfiguration');
  sendXml(context.res, 200, xmlDocument('Retention', [
    node('Mode', version.retention.mode),
    node('RetainUntilDate', isoDate(version.retention.retainUntilMs)),
  ]));
}

export async function putObjectLegalHold(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  await requireBucket(context);
  assertIntegrityCheck(context);
  await requireObjectLock(context);
  const status = (await xmlBodyRoot(context, 'LegalHold'))['Status'];
  if (typeof status !== 'string' || !LEGAL_HOLD_STATUSES.has(status)) throw new S3Error('MalformedXML');
  const version = await requireObject(context, context.bucket!, context.key!, context.query.get('versionId'));
  const outcome = await context.layers.index.setObjectLegalHold(context.bucket!, context.key!, version.versionId, status as LegalHoldStatus);
  if (outcome !== 'set') throw lockChangeError(context, outcome, version.versionId);
  sendEmpty(context.res, 200);
}

export async function getObjectLegalHold(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  await requireBucket(context);
  await requireObjectLock(context);
  const version = await requireObject(context, context.bucket!, context.key!, context.query.get('versionId'));
  // S3 answers this error for a version whose legal hold was never set (OFF once set is a status).
  if (version.legalHold === undefined) throw new S3Error('NoSuchObjectLockConfiguration');
  sendXml(context.res, 200, xmlDocument('LegalHold', [node('Status', version.legalHold)]));
}
