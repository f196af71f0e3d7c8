// What the fuzz suite holds every answer to (issue #13): no 500, nothing slower than 5 s, every
// error in S3's format (XML <Error><Code> and x-amz-request-id; a HEAD has no body to carry it),
// answers whose content the request determines are exact, and a model of acknowledged writes.
import type { RawResponse } from '../clients.js';
import type { FuzzOutcome, FuzzRequest } from './requests.js';

/** Issue #13: no answer may take longer. */
export const ANSWER_TIME_MS_MAX = 5_000;

export interface FuzzFailure {
  index: number;
  category: string;
  describe: string;
  problem: string;
}

/** Statuses that are errors in S3's own format: 4xx, and 501 NotImplemented / 503 SlowDown. */
function isErrorAnswer(status: number): boolean {
  return (status >= 400 && status < 500) || status === 501 || status === 503;
}

/**
 * A request signed for another service's API (s3tables, backup, ecr, fis) belongs to that API's
 * surface (issue #12's dispatch), whose errors are its own JSON: `{"message"}` (REST-JSON, with
 * x-amzn-ErrorType) or `{"__type","message"}` (JSON 1.1).
 */
function isJsonApiError(request: FuzzRequest, response: RawResponse): boolean {
  if (!request.category.startsWith('sigv4') || !/json/.test(String(response.headers['content-type'] ?? ''))) return false;
  try {
    const body: unknown = JSON.parse(response.text);
    return typeof body === 'object' && body !== null && ('message' in body || '__type' in body);
  } catch {
    return false;
  }
}

export function answerProblem(request: FuzzRequest, response: RawResponse, elapsedMs: number): string | null {
  if (response.status >= 500 && !isErrorAnswer(response.status)) return `answered ${response.status}: ${response.text.slice(0, 300)}`;
  if (elapsedMs > ANSWER_TIME_MS_MAX) return `answered after ${elapsedMs} ms`;
  if (isErrorAnswer(response.status)) {
    if (typeof response.headers['x-amz-request-id'] !== 'string') return `${response.status} without x-amz-request-id: ${JSON.stringify(response.headers)} ${JSON.stringify(response.text.slice(0, 200))}`;
    if (request.method !== 'HEAD' && !isJsonApiError(request, response) && !/<Error>[\s\S]*<Code>[^<]+<\/Code>/.test(response.text)) return `${response.status} without an S3 error body: ${JSON.stringify(response.text.slice(0, 200))}`;
  }
  return null;
}

/** What the model learns from one answer. */
export class WriteModel {
  /** Key → the bytes of its last acknowledged write (keys are unique per request, so order is clear). */
  readonly acknowledged = new Map<string, Buffer>();
  readonly mustBeAbsent = new Set<string>();

  learn(outcome: FuzzOutcome): string | null {
    const { response } = outcome;
    if (outcome.mustFail !== undefined) {
      if (response.status === 200) return `a corrupted write was acknowledged (${outcome.mustFail.key})`;
      this.mustBeAbsent.add(outcome.mustFail.key);
    }
    if (outcome.acknowledged !== undefined && response.status === 200) this.acknowledged.set(outcome.acknowledged.key, outcome.acknowledged.data);
    return outcome.contentProblem ?? null;
  }
}
