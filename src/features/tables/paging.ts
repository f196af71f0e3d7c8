// Pages of S3 Tables' list operations: `prefix`, `continuationToken` and a `max…` count of 1–1000
// (the model's limits, 1000 by default). A continuation token is the last name shown, base64url
// encoded: opaque to clients, and a page resumes after it even if that entry was deleted since.
import { badRequest } from './names.js';

/** What an operation answers: a status and the JSON body, if any. */
export interface TablesAnswer {
  status: number;
  body?: unknown;
}

const PAGE_ENTRIES_MAX = 1000;
const PREFIX_LENGTH_MAX = 255;
const TOKEN_LENGTH_MAX = 2048;

export interface Page {
  prefix?: string;
  /** The last name of the page before, decoded from the continuation token. */
  after?: string;
  limit: number;
  token(lastName: string): string;
}

export function pageOf(query: URLSearchParams, countName: string): Page {
  const prefix = query.get('prefix') ?? undefined;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > PREFIX_LENGTH_MAX)) throw badRequest('The specified prefix is not valid.');
  const countText = query.get(countName);
  let limit = PAGE_ENTRIES_MAX;
  if (countText !== null) {
    limit = /^\d{1,4}$/.test(countText) ? Number(countText) : 0;
    if (limit < 1 || limit > PAGE_ENTRIES_MAX) throw badRequest(`${countName} must be between 1 and ${PAGE_ENTRIES_MAX}.`);
  }
  const tokenText = query.get('continuationToken') ?? undefined;
  let after: string | undefined;
  if (tokenText !== undefined) {
    after = tokenText.length <= TOKEN_LENGTH_MAX && /^[A-Za-z0-9_-]+$/.test(tokenText) ? Buffer.from(tokenText, 'base64url').toString('utf8') : '';
    if (after === '') throw badRequest('The continuation token is not valid.');
  }
  return { prefix, after, limit, token: (lastName) => Buffer.from(lastName, 'utf8').toString('base64url') };
}
