// Where a log line goes (its destination, as the queue keeps it) and the key of the log object a
// batch becomes: SimplePrefix `[TargetPrefix]YYYY-mm-DD-HH-MM-SS-UniqueString`, PartitionedPrefix
// `[TargetPrefix][SourceAccountId]/[SourceRegion]/[SourceBucket]/YYYY/MM/DD/YYYY-mm-DD-HH-MM-SS-UniqueString`,
// its date folders from the requests' time (EventTime) or the delivery's (DeliveryTime).
import { randomBytes } from 'node:crypto';
import type { BucketLoggingSetting } from '../../index/types.js';

/** S3's unique strings are 16 upper-case hexadecimal characters. */
const UNIQUE_STRING_BYTES = 8;

export type DatedBy = 'none' | 'event' | 'delivery';

export interface Destination {
  targetBucket: string;
  /** The key's start: the target prefix, and for partitioned keys the account, region and bucket folders. */
  keyPrefix: string;
  datedBy: DatedBy;
  /** The source bucket's owner: delivery writes only into a target bucket that still has this owner. */
  ownerId: string;
}

export function destinationOf(setting: BucketLoggingSetting, source: { accountId: string; region: string; bucket: string; ownerId: string }): Destination {
  const format = setting.keyFormat;
  const { ownerId } = source;
  if (format === undefined || format.kind === 'simple') return { targetBucket: setting.targetBucket, keyPrefix: setting.targetPrefix, datedBy: 'none', ownerId };
  return {
    targetBucket: setting.targetBucket, ownerId,
    keyPrefix: `${setting.targetPrefix}${source.accountId}/${source.region}/${source.bucket}/`,
    datedBy: format.dateSource === 'EventTime' ? 'event' : 'delivery',
  };
}

export function encodeDestination(destination: Destination): string {
  return JSON.stringify([destination.targetBucket, destination.keyPrefix, destination.datedBy, destination.ownerId]);
}

/** Undefined for a queued destination this code cannot read (then its lines cannot be delivered). */
export function decodeDestination(text: string): Destination | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value) || value.length !== 4) return undefined;
    const [targetBucket, keyPrefix, datedBy, ownerId] = value as unknown[];
    if (typeof targetBucket !== 'string' || typeof keyPrefix !== 'string' || typeof ownerId !== 'string') return undefined;
    if (datedBy !== 'none' && datedBy !== 'event' && datedBy !== 'delivery') return undefined;
    return { targetBucket, keyPrefix, datedBy, ownerId };
  } catch {
    return undefined;
  }
}

const pad = (value: number): string => String(value).padStart(2, '0');

function stamp(timeMs: number): string {
  const date = new Date(timeMs);
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}-${pad(date.getUTCHours())}-${pad(date.getUTCMinutes())}-${pad(date.getUTCSeconds())}`;
}

/** The day folder `YYYY/MM/DD/` of a time (UTC). */
export function dayFolder(timeMs: number): string {
  const date = new Date(timeMs);
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/`;
}

/** A new log object's key; `eventTimeMs` dates the folders of an EventTime destination. */
export function logObjectKey(destination: Destination, deliveryTimeMs: number, eventTimeMs: number): string {
  const unique = randomBytes(UNIQUE_STRING_BYTES).toString('hex').toUpperCase();
  const name = `${stamp(deliveryTimeMs)}-${unique}`;
  if (destination.datedBy === 'none') return `${destination.keyPrefix}${name}`;
  const folder = dayFolder(destination.datedBy === 'event' ? eventTimeMs : deliveryTimeMs);
  return `${destination.keyPrefix}${folder}${name}`;
}
