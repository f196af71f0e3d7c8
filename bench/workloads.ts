// What each operation sends: PUTs of fresh keys (remembered once answered 2xx), GET and HEAD
// cycling over the remembered keys, DELETE consuming them, and ListObjectsV2 walking a prefix page
// by page with continuation tokens.
import { randomBytes } from 'node:crypto';
import type { NextRequest, RequestSpec } from './load.js';
import type { Target } from './targets/target.js';

export type Operation = 'PUT' | 'GET' | 'HEAD' | 'DELETE' | 'LIST';

export const LIST_PREFIX = 'list/';
export const LIST_KEY_COUNT = 10_000;
export const LIST_PAGE_KEYS = 1_000;
/** Objects under the LIST prefix are tiny: listing cost should not depend on their size. */
export const LIST_OBJECT_SIZE_BYTES = 16;

/** Keys written by a PUT phase, in order; reads cycle over them, DELETE takes them from the front. */
export class KeyPool {
  private readonly keys: string[] = [];
  private readCursor = 0;
  private deleteCursor = 0;

  get size(): number {
    return this.keys.length - this.deleteCursor;
  }

  add(key: string): void {
    this.keys.push(key);
  }

  nextForRead(): string | undefined {
    const live = this.keys.length - this.deleteCursor;
    if (live <= 0) return undefined;
    const key = this.keys[this.deleteCursor + (this.readCursor % live)];
    this.readCursor += 1;
    return key;
  }

  takeForDelete(): string | undefined {
    if (this.deleteCursor >= this.keys.length) return undefined;
    const key = this.keys[this.deleteCursor]!;
    this.deleteCursor += 1;
    return key;
  }
}

const payloadCache = new Map<number, Buffer>();

/** One random buffer per size, reused by every PUT of that size (no server here deduplicates). */
export function payloadOf(sizeBytes: number): Buffer {
  let payload = payloadCache.get(sizeBytes);
  if (payload === undefined) {
    payload = randomBytes(sizeBytes);
    payloadCache.set(sizeBytes, payload);
  }
  return payload;
}

const isOk = (statusCode: number): boolean => statusCode >= 200 && statusCode < 300;

/** PUTs of `keyPrefix` + a counter; `limit` stops the source after that many requests. */
export function putSource(target: Target, keyPrefix: string, sizeBytes: number, pool: KeyPool, limit = Infinity): NextRequest {
  const body = payloadOf(sizeBytes);
  let counter = 0;
  return () => {
    if (counter >= limit) return undefined;
    const key = `${keyPrefix}${String(counter).padStart(7, '0')}`;
    counter += 1;
    return {
      method: 'PUT', head: target.head('PUT', key), body,
      onResponse: (statusCode) => { if (isOk(statusCode)) pool.add(key); },
    };
  };
}

export function readSource(target: Target, method: 'GET' | 'HEAD', pool: KeyPool): NextRequest {
  return () => {
    const key = pool.nextForRead();
    return key === undefined ? undefined : { method, head: target.head(method, key) };
  };
}

export function deleteSource(target: Target, pool: KeyPool): NextRequest {
  return () => {
    const key = pool.takeForDelete();
    return key === undefined ? undefined : { method: 'DELETE', head: target.head('DELETE', key) };
  };
}

export function listPopulateSource(target: Target, pool: KeyPool): NextRequest {
  return putSource(target, `${LIST_PREFIX}k`, LIST_OBJECT_SIZE_BYTES, pool, LIST_KEY_COUNT);
}

export interface ListTally {
  pages: number;
  keys: number;
  /** Pages whose key count was not the full page (the last page of a walk may be short). */
  shortPages: number;
}

const CONTINUATION_TOKEN = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/;
const KEY_COUNT = /<KeyCount>(\d+)<\/KeyCount>/;

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#(\d+));/g, (_whole, name: string, code?: string) => {
    if (code !== undefined) return String.fromCharCode(Number(code));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[name]!;
  });
}

/** Each slot walks the prefix from the start, following continuation tokens, and starts over at the end. */
export function listSource(target: Target, tally: ListTally): NextRequest {
  const tokens = new Map<number, string | undefined>();
  return (slot) => {
    const token = tokens.get(slot);
    const query: Array<[string, string]> = [['list-type', '2'], ['prefix', LIST_PREFIX], ['max-keys', String(LIST_PAGE_KEYS)]];
    if (token !== undefined) query.push(['continuation-token', token]);
    const spec: RequestSpec = {
      method: 'GET', head: target.head('GET', '', query), keepBody: true,
      onResponse: (statusCode, body) => {
        if (!isOk(statusCode) || body === undefined) {
          tokens.delete(slot);
          return;
        }
        const text = body.toString('utf8');
        const keyCount = Number(KEY_COUNT.exec(text)?.[1] ?? 0);
        tally.pages += 1;
        tally.keys += keyCount;
        if (keyCount !== LIST_PAGE_KEYS) tally.shortPages += 1;
        const next = CONTINUATION_TOKEN.exec(text)?.[1];
        tokens.set(slot, next === undefined ? undefined : unescapeXml(next));
      },
    };
    return spec;
  };
}
