// Webhook targets: an HTTP POST of the S3 event JSON per event, in order. Any 2xx acknowledges it.
// With a secret, X-Cairn-Signature carries "sha256=" + the HMAC-SHA256 of the body in hex; with a
// bearer token, Authorization carries it.
import { createHmac } from 'node:crypto';
import { SEND_TIMEOUT_MS, type EventSender, type OutgoingEvent } from './sender.js';

export const SIGNATURE_HEADER = 'X-Cairn-Signature';

export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function webhookSender(settings: Record<string, string>): EventSender {
  const url = settings['url']!;
  async function post(item: OutgoingEvent): Promise<void> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Cairn-Event-Id': item.messageId };
    if (settings['secret'] !== undefined) headers[SIGNATURE_HEADER] = signatureOf(settings['secret'], item.body);
    if (settings['bearerToken'] !== undefined) headers['Authorization'] = `Bearer ${settings['bearerToken']}`;
    const response = await fetch(url, { method: 'POST', headers, body: item.body, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
    await response.arrayBuffer();
    if (response.status < 200 || response.status > 299) throw new Error(`webhook ${url} answered ${response.status}`);
  }
  return {
    async send(batch) {
      for (const item of batch) await post(item);
    },
    async close() {},
  };
}
