// Time formats on S3's wire.

/** RFC 7231 IMF-fixdate, as in Last-Modified: "Tue, 15 Nov 1994 08:12:31 GMT". */
export function httpDate(timeMs: number): string {
  return new Date(timeMs).toUTCString();
}

let cachedSecondMs = NaN;
let cachedSecondPrefix = '';

/** ISO 8601 with milliseconds, as in XML bodies: "2009-10-12T17:50:30.000Z". */
export function isoDate(timeMs: number): string {
  // Listings print a thousand of these per page, mostly from the same second: reuse its prefix.
  const secondMs = Math.floor(timeMs / 1000) * 1000;
  if (secondMs !== cachedSecondMs) {
    cachedSecondMs = secondMs;
    cachedSecondPrefix = new Date(secondMs).toISOString().slice(0, 20);
  }
  return `${cachedSecondPrefix}${String(timeMs - secondMs).padStart(3, '0')}Z`;
}

/** Parses an HTTP date header; undefined when absent or not a date (S3 then ignores the condition). */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const timeMs = Date.parse(value);
  return Number.isNaN(timeMs) ? undefined : timeMs;
}
