// The few admin API calls the background benchmark makes (docs/admin-api.md): JSON over HTTP,
// SigV4-signed by the root identity with the load generator's signer (UNSIGNED-PAYLOAD, which the
// admin API accepts like any S3 request). Outside the timed load: its latency is not measured.
import { request } from 'undici';
import type { SigV4Signer } from './sigv4-client.js';

const ADMIN_PATH_PREFIX = '/_cairn/admin';

export class AdminClient {
  constructor(private readonly origin: string, private readonly signer: SigV4Signer) {}

  /** GET or POST `/_cairn/admin/PATH`; any answer but 2xx throws with the server's message. */
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const signed = this.signer.sign(method, `${ADMIN_PATH_PREFIX}${path}`);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers = text === undefined ? signed.headers : [...signed.headers, 'content-type', 'application/json'];
    const response = await request(`${this.origin}${signed.pathAndQuery}`, { method, headers, body: text });
    const answer = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`${method} ${ADMIN_PATH_PREFIX}${path}: HTTP ${response.statusCode}: ${answer.slice(0, 500)}`);
    }
    return (answer === '' ? undefined : JSON.parse(answer)) as T;
  }
}
