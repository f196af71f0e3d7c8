// Fault injection and drive state for tests: the admin API over raw signed requests, and waiting
// for what the server logs about its drives.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rawRequest } from './clients.js';
import type { RunningServer } from './server.js';

export const DRIVE_STATE_WAIT_MS = 10_000;

export function drivePathsUnder(root: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => join(root, `d${index + 1}`));
}

export async function adminCall(server: RunningServer, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const response = await rawRequest(server, { method, path: `/_cairn/admin${path}`, body: text });
  const raw = response.body.toString('utf8');
  return { status: response.status, json: raw === '' ? undefined : JSON.parse(raw) };
}

export async function injectFault(server: RunningServer, fault: Record<string, unknown>): Promise<string> {
  const { status, json } = await adminCall(server, 'POST', '/faults', fault);
  assert.equal(status, 201, JSON.stringify(json));
  return json.id as string;
}

export async function stopFault(server: RunningServer, id: string): Promise<void> {
  assert.equal((await adminCall(server, 'DELETE', `/faults/${id}`)).status, 204);
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** Waits until the log says each drive path went offline (or came back) at least `times` times in all. */
export async function waitForDriveLog(server: RunningServer, drives: string[], what: 'is OFFLINE' | 'is back online', times = 1): Promise<void> {
  const deadline = Date.now() + DRIVE_STATE_WAIT_MS;
  for (;;) {
    const log = server.stderr();
    if (drives.every((drive) => occurrences(log, `(${drive}) ${what}`) >= times)) return;
    if (Date.now() > deadline) throw new Error(`drives ${drives.join(', ')} not reported "${what}" ${times} time(s):\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function countInLog(server: RunningServer, needle: string): number {
  return occurrences(server.stderr(), needle);
}
