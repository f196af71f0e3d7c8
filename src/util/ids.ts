import { randomBytes } from 'node:crypto';

let lastTimestampMs = 0;
let sequenceInMs = 0;

/**
 * A unique id that sorts by creation time (hex: 12 digits of ms time, 4 of a counter within the
 * millisecond, 16 random). Used for object data ids and, later, S3 version ids: later writes sort
 * after earlier ones even when written in the same millisecond by this process.
 */
export function newTimeOrderedId(nowMs: number = Date.now()): string {
  if (nowMs <= lastTimestampMs) {
    sequenceInMs += 1;
    if (sequenceInMs > 0xffff) {
      // 65,536 ids in one millisecond: borrow the next millisecond rather than repeat an id.
      lastTimestampMs += 1;
      sequenceInMs = 0;
    }
  } else {
    lastTimestampMs = nowMs;
    sequenceInMs = 0;
  }
  return (
    lastTimestampMs.toString(16).padStart(12, '0') +
    sequenceInMs.toString(16).padStart(4, '0') +
    randomBytes(8).toString('hex')
  );
}

/** An S3-style request id: 16 upper-case hex characters. */
export function newRequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}
