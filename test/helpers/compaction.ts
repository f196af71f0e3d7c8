// Compaction test helpers: the bytes of a drive's volume files, and one pass run to completion
// through the admin API (POST, then wait until a pass that started after the request has finished).
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { adminCall } from './faults.js';
import type { CompactionCounts } from '../../src/services/compaction/status.js';
import type { RunningServer } from './server.js';

const PASS_WAIT_MS = 60_000;
const POLL_MS = 50;

/** Sum of the sizes of the drive's volume files (markers excluded). */
export function volumeBytes(drivePath: string): number {
  const directory = join(drivePath, 'volumes');
  return readdirSync(directory).filter((name) => name.endsWith('.vol')).reduce((sum, name) => sum + statSync(join(directory, name)).size, 0);
}

export function volumeFileNames(drivePath: string): string[] {
  return readdirSync(join(drivePath, 'volumes')).filter((name) => name.endsWith('.vol')).sort();
}

/** Asks for a pass and waits for it to finish; returns that pass's counts. */
export async function runCompactionPass(server: RunningServer): Promise<CompactionCounts> {
  const before = await adminCall(server, 'GET', '/compaction');
  assert.equal(before.status, 200);
  const requested = await adminCall(server, 'POST', '/compaction', {});
  assert.equal(requested.status, 202, JSON.stringify(requested.json));
  const deadline = Date.now() + PASS_WAIT_MS;
  for (;;) {
    const { json } = await adminCall(server, 'GET', '/compaction');
    const fresh = json.pass !== undefined && json.pass.startedAt !== before.json.pass?.startedAt;
    if (fresh && json.state === 'idle') {
      assert.equal(json.pass.error, undefined, `the pass failed: ${json.pass.error}`);
      return json.pass.counts as CompactionCounts;
    }
    if (Date.now() > deadline) throw new Error(`no compaction pass finished within ${PASS_WAIT_MS} ms: ${JSON.stringify(json)}\n${server.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
