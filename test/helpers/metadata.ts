// S3 Metadata in tests: SQL through the real `cairn sql` command (and raw signed requests to
// /_cairn/sql), configuration through the SDK, and waiting for the exporter.
import { GetBucketMetadataConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { rawRequest } from './clients.js';
import { eventually } from './eventually.js';
import { runCommand } from './processes.js';
import { CAIRN_BIN, TEST_ACCESS_KEY, TEST_SECRET_KEY, type RunningServer } from './server.js';

const SQL_COMMAND_TIMEOUT_MS = 90_000;

/** `cairn sql --format json`: the rows as objects (column name → value). */
export async function sql(server: RunningServer, query: string): Promise<Array<Record<string, unknown>>> {
  const result = await sqlCommand(server, query, 'json');
  assert.equal(result.code, 0, `cairn sql failed: ${result.stderr}\n${query}`);
  return JSON.parse(result.stdout) as Array<Record<string, unknown>>;
}

/** `cairn sql` as a user runs it: exit code and output. */
export function sqlCommand(server: RunningServer, query: string, format: 'table' | 'csv' | 'json') {
  return runCommand(process.execPath, [CAIRN_BIN, 'sql', query, '--endpoint', server.endpoint, '--format', format], {
    env: { ...process.env, CAIRN_ACCESS_KEY: TEST_ACCESS_KEY, CAIRN_SECRET_KEY: TEST_SECRET_KEY },
    timeoutMs: SQL_COMMAND_TIMEOUT_MS,
  });
}

/** POST /_cairn/sql signed with the SDK's signer: status and parsed JSON (or the raw text). */
export async function sqlRequest(server: RunningServer, body: string, auth: 'signed' | 'none' = 'signed') {
  const response = await rawRequest(server, { method: 'POST', path: '/_cairn/sql', body, headers: { 'content-type': 'application/json' }, auth });
  let json: unknown;
  try {
    json = JSON.parse(response.text);
  } catch {
    json = undefined;
  }
  return { ...response, json: json as { error?: { code: string; message: string }; rows?: unknown[][]; columns?: Array<{ name: string; type: string }>; truncated?: boolean } | undefined };
}

/** The shared polling helper, under the name the metadata tests use. */
export const waitFor = eventually;

/** Waits until the bucket's inventory table reports ACTIVE. */
export async function waitForActiveInventory(s3: S3Client, bucket: string, timeoutMs: number): Promise<void> {
  await waitFor(`the inventory of ${bucket} to become ACTIVE`, async () => {
    const answer = await s3.send(new GetBucketMetadataConfigurationCommand({ Bucket: bucket }));
    return answer.GetBucketMetadataConfigurationResult?.MetadataConfigurationResult?.InventoryTableConfigurationResult?.TableStatus === 'ACTIVE' ? true : undefined;
  }, timeoutMs);
}
