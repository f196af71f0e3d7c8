// Calls to the JSON APIs through the console's proxy: S3 Tables (REST-JSON, signed for s3tables) and
// ECR (JSON 1.1 with X-Amz-Target, signed for ecr). Their errors ({message} or {__type, message})
// become ApiError with the server's own code and message.
import { ApiError, proxyUrl } from './api.js';

let csrf = '';

export function setServiceJsonCsrf(token: string): void {
  csrf = token;
}

async function jsonOf<T>(response: Response): Promise<T> {
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    parsed = { message: text };
  }
  if (response.ok) return parsed as T;
  const type = String(parsed['__type'] ?? response.headers.get('x-amzn-errortype') ?? `HTTP ${response.status}`).split(/[#:]/).filter((part) => part !== '').pop()!;
  throw new ApiError(response.status, type, String(parsed['message'] ?? parsed['Message'] ?? response.statusText));
}

/** GET /{path} of the S3 Tables API (path segments already encoded). */
export async function tablesJson<T>(path: string, query: Record<string, string> = {}): Promise<T> {
  return jsonOf<T>(await fetch(proxyUrl(`s3tables/${path}`, query), { credentials: 'same-origin' }));
}

/** One ECR operation (AmazonEC2ContainerRegistry_V20150921.<operation>). */
export async function ecrJson<T>(operation: string, body: object): Promise<T> {
  const response = await fetch(proxyUrl('ecr'), {
    method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${operation}`, 'x-cairn-csrf': csrf },
  });
  return jsonOf<T>(response);
}
