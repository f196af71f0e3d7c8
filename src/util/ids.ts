// Ids: time-ordered data/version ids, S3 request ids and x-amz-id-2 values. Their random bytes come
// from one pooled CSPRNG buffer, refilled every RANDOM_POOL_BYTES: one randomFillSync per ~150
// requests instead of three per request (ids are unique, never secret: keys and salts use their own).
import { randomFillSync } from 'node:crypto';

let lastTimestampMs = 0;
let sequenceInMs = 0;

const RANDOM_POOL_BYTES = 4096;
const randomPool = Buffer.allocUnsafe(RANDOM_POOL_BYTES);
let randomPoolOffset = RANDOM_POOL_BYTES;
const REQUEST_ID_BYTES = 8;
const DATA_ID_RANDOM_BYTES = 8;
const REQUEST_ID_2_BYTES = 24;

/** The start of `count` fresh random bytes in randomPool (each byte is handed out once). */
function takeRandom(count: number): number {
  if (randomPoolOffset + count > RANDOM_POOL_BYTES) {
    randomFillSync(randomPool);
    randomPoolOffset = 0;
  }
  const start = randomPoolOffset;
  randomPoolOffset += count;
  return start;
}

function randomHex(count: number): string {
  const start = takeRandom(count);
  return randomPool.toString('hex', start, start + count);
}

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
    randomHex(DATA_ID_RANDOM_BYTES)
  );
}

/** An S3-style request id: 16 upper-case hex characters. */
export function newRequestId(): string {
  return randomHex(REQUEST_ID_BYTES).toUpperCase();
}

/** An x-amz-id-2 value: 24 random bytes in base64. */
export function newRequestId2(): string {
  const start = takeRandom(REQUEST_ID_2_BYTES);
  return randomPool.toString('base64', start, start + REQUEST_ID_2_BYTES);
}
