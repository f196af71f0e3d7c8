// What an HTTP header may carry, for settings that are stored now and become response headers later
// (CORS rules, object metadata): checked when stored, with S3's error, and checked again when sent,
// so that a value stored before a check existed can never make a request fail with a 500.
import type { ServerResponse } from 'node:http';
import { validateHeaderName, validateHeaderValue } from 'node:http';

/** RFC 9110 token: the characters a header name (and a CORS header pattern) may use. */
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Visible ASCII, space and tab: a value every client reads the same way. */
const PORTABLE_HEADER_VALUE = /^[\t\x20-\x7e]*$/;

export function isHeaderToken(text: string): boolean {
  return HEADER_TOKEN.test(text);
}

export function isPortableHeaderValue(text: string): boolean {
  return PORTABLE_HEADER_VALUE.test(text);
}

/**
 * Sets a header whose name or value comes from stored data. A value node refuses is left out
 * (and reported false) instead of throwing out of the request: the rest of the answer stands.
 */
export function setStoredHeader(res: ServerResponse, name: string, value: string | number): boolean {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, String(value));
  } catch {
    return false;
  }
  res.setHeader(name, value);
  return true;
}
