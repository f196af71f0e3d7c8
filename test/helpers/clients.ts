// Real clients for tests: the AWS SDK for JavaScript v3 with default settings, and raw HTTP requests
// signed with the SDK's own SigV4 signer (for bad inputs the SDK would refuse to send).
import { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { NodeSha256 } from '../../src/util/node-sha256.js';
export { NodeSha256 };
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './server.js';

export function sdkClient(server: RunningServer, overrides: Partial<ConstructorParameters<typeof S3Client>[0]> = {}): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: TEST_REGION,
    credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
    ...overrides,
  });
}

export const signer = new SignatureV4({
  credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
  region: TEST_REGION,
  service: 's3',
  sha256: NodeSha256 as any,
  uriEscapePath: false,
  applyChecksum: false,
});

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  /** The <Code> of an S3 error document, if any. */
  errorCode?: string;
}

export interface RawRequest {
  method: string;
  /** Path as sent on the wire (already percent-encoded), e.g. "/bucket/key". */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** 'signed' (default): payload SHA-256 in the signature; 'unsigned': UNSIGNED-PAYLOAD; 'none': no auth at all. */
  auth?: 'signed' | 'unsigned' | 'none';
  /** Headers set after signing (to tamper with a signed request). */
  afterSigning?: Record<string, string>;
  signingDate?: Date;
  signerOverride?: SignatureV4;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5Base64(data: Buffer | string): string {
  return createHash('md5').update(data).digest('base64');
}

export async function rawRequest(server: RunningServer, spec: RawRequest): Promise<RawResponse> {
  const body = spec.body === undefined ? Buffer.alloc(0) : Buffer.from(spec.body);
  const url = new URL(server.endpoint);
  let headers: Record<string, string> = { host: url.host, ...spec.headers };
  if (!('content-length' in headers) && !('transfer-encoding' in headers)) headers['content-length'] = String(body.byteLength);
  const auth = spec.auth ?? 'signed';
  if (auth !== 'none') {
    headers['x-amz-content-sha256'] ??= auth === 'signed' ? sha256Hex(body) : 'UNSIGNED-PAYLOAD';
    const signed = await (spec.signerOverride ?? signer).sign(
      { method: spec.method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: spec.path, query: spec.query ?? {}, headers, body },
      { signingDate: spec.signingDate },
    );
    headers = signed.headers as Record<string, string>;
  }
  Object.assign(headers, spec.afterSigning ?? {});
  const query = new URLSearchParams(spec.query ?? {}).toString().replace(/\+/g, '%20');
  return sendRaw(server, spec.method, spec.path + (query === '' ? '' : `?${query}`), headers, body);
}

export function sendRaw(server: RunningServer, method: string, pathAndQuery: string, headers: Record<string, string>, body: Buffer | undefined): Promise<RawResponse> {
  const url = new URL(server.endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: pathAndQuery, headers }, (res) => {
      const pieces: Buffer[] = [];
      res.on('data', (piece) => pieces.push(piece));
      res.on('end', () => {
        const responseBody = Buffer.concat(pieces);
        const text = responseBody.toString('utf8');
        const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
        resolve({ status: res.statusCode!, headers: res.headers, body: responseBody, text, errorCode: code });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
