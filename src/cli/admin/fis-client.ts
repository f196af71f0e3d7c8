// A client for the server's FIS API (REST-JSON, SigV4-signed for the service "fis") for `cairn admin
// experiment`: the admin commands need no AWS SDK for FIS at run time. Errors come back as FIS
// answers them: the code in the x-amzn-ErrorType header, the message in the body.
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import type { Credentials } from '../../frontend/auth/sigv4.js';
import { NodeSha256 } from '../../util/node-sha256.js';
import { AdminApiError } from './iam-client.js';

const REQUEST_TIMEOUT_MS = 30_000;
const FIS_SIGNING_SERVICE = 'fis';

export class FisApiClient {
  private readonly signer: SignatureV4;
  private readonly endpoint: URL;

  constructor(endpoint: string, credentials: Credentials, region: string) {
    this.endpoint = new URL(endpoint);
    this.signer = new SignatureV4({ credentials, region, service: FIS_SIGNING_SERVICE, sha256: NodeSha256 as never, uriEscapePath: true, applyChecksum: false });
  }

  /** Sends a signed request; the parsed JSON answer when its status is 2xx, else an AdminApiError. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const fullPath = `${this.endpoint.pathname.replace(/\/$/, '')}${path}`;
    const headers: Record<string, string> = { host: this.endpoint.host, 'x-amz-content-sha256': createHash('sha256').update(payload).digest('hex') };
    if (payload !== '') headers['content-type'] = 'application/json';
    const signed = await this.signer.sign({
      method, protocol: this.endpoint.protocol, hostname: this.endpoint.hostname, port: Number(this.endpoint.port) || undefined, path: fullPath, headers, body: payload,
    });
    const response = await fetch(new URL(fullPath, this.endpoint), {
      method, headers: signed.headers as Record<string, string>, body: payload === '' ? undefined : payload, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (response.status >= 200 && response.status < 300) return JSON.parse(text) as T;
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // Not FIS's JSON (a proxy, or an S3 XML error): reported as received.
    }
    throw new AdminApiError(response.status, response.headers.get('x-amzn-errortype') ?? `HTTP${response.status}`, message);
  }
}
