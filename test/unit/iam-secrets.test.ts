// Sealed secrets (AES-256-GCM under the master key, bound to their access key id) and the access key
// id a request claims before it is authenticated.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { claimedAccessKeyId } from '../../src/frontend/auth/sigv4.js';
import { generateAccessKeyId, generateSecretAccessKey, loadOrCreateMasterKey, sealSecret, unsealSecret } from '../../src/services/iam/secrets.js';

describe('sealed secrets', () => {
  it('round-trips, and refuses another key id, another master key or a changed byte', () => {
    const masterKey = randomBytes(32);
    const secret = generateSecretAccessKey();
    assert.equal(secret.length, 40);
    const sealed = sealSecret(masterKey, secret, 'CAAAAAAAAAAAAAAAAAAA');
    assert.ok(!sealed.includes(secret));
    assert.notEqual(sealSecret(masterKey, secret, 'CAAAAAAAAAAAAAAAAAAA'), sealed, 'a fresh nonce each time');
    assert.equal(unsealSecret(masterKey, sealed, 'CAAAAAAAAAAAAAAAAAAA'), secret);
    assert.throws(() => unsealSecret(masterKey, sealed, 'CABBBBBBBBBBBBBBBBBB'));
    assert.throws(() => unsealSecret(randomBytes(32), sealed, 'CAAAAAAAAAAAAAAAAAAA'));
    const parts = sealed.split('.');
    const ciphertext = Buffer.from(parts[2]!, 'base64url');
    ciphertext[0]! ^= 1;
    parts[2] = ciphertext.toString('base64url');
    assert.throws(() => unsealSecret(masterKey, parts.join('.'), 'CAAAAAAAAAAAAAAAAAAA'));
    assert.throws(() => unsealSecret(masterKey, 'v0.x.y.z', 'CAAAAAAAAAAAAAAAAAAA'), /unknown format/);
  });

  it('keeps one master key per data directory, mode 0600', () => {
    const directory = mkdtempSync(join(tmpdir(), 'cairn-master-key-'));
    try {
      const first = loadOrCreateMasterKey(directory);
      assert.equal(first.byteLength, 32);
      assert.equal(statSync(join(directory, 'master.key')).mode & 0o777, 0o600);
      assert.deepEqual(loadOrCreateMasterKey(directory), first);
      assert.equal(Buffer.from(readFileSync(join(directory, 'master.key'), 'utf8').trim(), 'base64').byteLength, 32);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('makes access key ids in AWS\'s shape', () => {
    assert.match(generateAccessKeyId(), /^CA[A-Z2-7]{18}$/);
  });
});

describe('claimedAccessKeyId', () => {
  it('reads the key id from SigV4 and SigV2 headers and query strings', () => {
    const v4 = 'AWS4-HMAC-SHA256 Credential=CAKEYONE000000000000/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc';
    assert.equal(claimedAccessKeyId(v4, '/b/k'), 'CAKEYONE000000000000');
    assert.equal(claimedAccessKeyId('AWS CAKEYTWO000000000000:c2ln', '/b/k'), 'CAKEYTWO000000000000');
    assert.equal(claimedAccessKeyId(undefined, '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=CAKEY3%2F20260101%2Fus-east-1%2Fs3%2Faws4_request'), 'CAKEY3');
    assert.equal(claimedAccessKeyId(undefined, '/b/k?AWSAccessKeyId=CAKEY4&Expires=1&Signature=x'), 'CAKEY4');
    assert.equal(claimedAccessKeyId(undefined, '/b/k?prefix=a'), undefined);
    assert.equal(claimedAccessKeyId(undefined, '/b/k?X-Amz-Credential=%E0%A4%A'), undefined);
  });
});
