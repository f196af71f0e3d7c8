// Path-style addressing and signing shared by the S3 targets, plus the one-off requests (create a
// bucket) made outside the timed phases.
import { request } from 'undici';
import { SigV4Signer, type QueryParameters, type SigV4Credentials } from '../sigv4-client.js';
import type { RequestHead } from './target.js';

export function s3RequestHead(signer: SigV4Signer, bucket: string) {
  return (method: string, key: string, query: QueryParameters = []): RequestHead => {
    const signed = signer.sign(method, key === '' ? `/${bucket}` : `/${bucket}/${key}`, query);
    return { pathAndQuery: signed.pathAndQuery, headers: signed.headers };
  };
}

export function signerFor(origin: string, credentials: SigV4Credentials): SigV4Signer {
  return new SigV4Signer(credentials, new URL(origin).host);
}

export async function createBucket(origin: string, head: RequestHead): Promise<void> {
  const response = await request(`${origin}${head.pathAndQuery}`, { method: 'PUT', headers: head.headers });
  const text = await response.body.text();
  if (response.statusCode !== 200 && !text.includes('BucketAlreadyOwnedByYou')) {
    throw new Error(`create bucket: HTTP ${response.statusCode}: ${text.slice(0, 500)}`);
  }
}
