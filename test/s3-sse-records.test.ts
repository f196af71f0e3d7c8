// Encrypted objects beyond the request path: the S3 Metadata journal's encryption_status and
// kms_key_arn columns, and `cairn admin rebuild-index` bringing SSE-S3, SSE-C, SSE-KMS and multipart SSE-S3
// objects back from the drives alone (the record headers carry the wrapped key, never a plaintext key).
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateBucketMetadataConfigurationCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { sql } from './helpers/metadata.js';
import { runCommand } from './helpers/processes.js';
import { CAIRN_BIN, startServer, temporaryDirectory } from './helpers/server.js';

const Bucket = 'sse-records';
const customerKey = randomBytes(32);
const sseC = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey.toString('base64') };

async function read(s3: S3Client, Key: string, extra: Record<string, string> = {}): Promise<Buffer> {
  return Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket, Key, ...extra }))).Body!.transformToByteArray());
}

describe('encrypted objects in the journal and after rebuild-index', () => {
  it('the journal records encryption_status (SSE-S3, SSE-C, SSE-KMS, none) and the KMS key ARN', async () => {
    const server = await startServer({ extraArgs: ['--insecure-sse-c'] });
    const s3 = sdkClient(server);
    try {
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new CreateBucketMetadataConfigurationCommand({ Bucket, MetadataConfiguration: { JournalTableConfiguration: { RecordExpiration: { Expiration: 'DISABLED' } } } }));
      await s3.send(new PutObjectCommand({ Bucket, Key: 'c', Body: 'c', ...sseC }));
      await s3.send(new PutObjectCommand({ Bucket, Key: 'plain', Body: 'p' }));
      await s3.send(new PutObjectCommand({ Bucket, Key: 's3', Body: 's', ServerSideEncryption: 'AES256' }));
      const kms = await s3.send(new PutObjectCommand({ Bucket, Key: 'kms', Body: 'k', ServerSideEncryption: 'aws:kms' }));
      assert.deepEqual(await sql(server, `SELECT key, encryption_status, kms_key_arn FROM journal."${Bucket}" ORDER BY key`), [
        { key: 'c', encryption_status: 'SSE-C', kms_key_arn: null },
        { key: 'kms', encryption_status: 'SSE-KMS', kms_key_arn: kms.SSEKMSKeyId },
        { key: 'plain', encryption_status: null, kms_key_arn: null },
        { key: 's3', encryption_status: 'SSE-S3', kms_key_arn: null },
      ]);
    } finally {
      s3.destroy();
      await server.dispose();
    }
  });

  it('rebuild-index brings SSE-S3, SSE-C and multipart SSE-S3 objects back, readable with their keys', async () => {
    const dataDirectory = temporaryDirectory('sse-rebuild');
    const bodies = { s3: randomBytes(200 * 1024), c: randomBytes(70 * 1024), mp: randomBytes(5 * 1024 * 1024 + 17) };
    try {
      let server = await startServer({ dataDirectory, extraArgs: ['--insecure-sse-c', '--workers', '1'] });
      let s3 = sdkClient(server);
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutObjectCommand({ Bucket, Key: 's3', Body: bodies.s3, ServerSideEncryption: 'AES256' }));
      await s3.send(new PutObjectCommand({ Bucket, Key: 'c', Body: bodies.c, ...sseC }));
      await s3.send(new PutObjectCommand({ Bucket, Key: 'kms', Body: bodies.c, ServerSideEncryption: 'aws:kms' }));
      const created = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp', ServerSideEncryption: 'AES256' }));
      const part = await s3.send(new UploadPartCommand({ Bucket, Key: 'mp', UploadId: created.UploadId, PartNumber: 1, Body: bodies.mp }));
      await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mp', UploadId: created.UploadId, MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] } }));
      s3.destroy();
      await server.stop();

      // The drives hold the wrapped data key, never the plaintext one nor the customer's key.
      const keyText = customerKey.toString('base64');
      const volumes = readdirSync(join(dataDirectory, 'drive'), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
      for (const entry of volumes) {
        const bytes = readFileSync(join(entry.parentPath, entry.name));
        assert.equal(bytes.includes(customerKey), false, `${entry.name} holds the customer key`);
        assert.equal(bytes.includes(Buffer.from(keyText)), false, `${entry.name} holds the customer key (base64)`);
      }

      const rebuilt = await runCommand(process.execPath, [CAIRN_BIN, 'admin', 'rebuild-index', '--data', dataDirectory], { timeoutMs: 60_000 });
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      server = await startServer({ dataDirectory, extraArgs: ['--insecure-sse-c', '--workers', '1'] });
      s3 = sdkClient(server);
      try {
        assert.ok((await read(s3, 's3')).equals(bodies.s3));
        assert.ok((await read(s3, 'c', sseC)).equals(bodies.c));
        assert.ok((await read(s3, 'kms')).equals(bodies.c));
        assert.ok((await read(s3, 'mp')).equals(bodies.mp));
        assert.ok((await read(s3, 'mp', { Range: 'bytes=65530-65545' })).equals(bodies.mp.subarray(65530, 65546)));
      } finally {
        s3.destroy();
        await server.stop();
      }
    } finally {
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  });
});
