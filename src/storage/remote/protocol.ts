// The drive server's wire protocol (docs/drive-server.md): every request carries the time and an
// HMAC-SHA256, keyed by the cluster secret, of its method, path, time and body digest; the server
// refuses a wrong or stale signature (401) before it reads or writes anything. Limits are named here.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { RECORD_SIZE_BYTES_MAX } from '../constants.js';

/** A request signed longer ago (or ahead) than this is refused: a captured request is not replayable later. */
export const DRIVE_REQUEST_CLOCK_SKEW_MS_MAX = 5 * 60_000;
/** The largest request body: one record. */
export const DRIVE_REQUEST_BODY_BYTES_MAX = RECORD_SIZE_BYTES_MAX;
/** How long a client waits for one answer. */
export const DRIVE_REQUEST_TIMEOUT_MS = 30_000;
/** Drives one server serves. */
export const DRIVE_SERVER_DRIVES_MAX = 64;
/** Requests one drive server handles at once; more wait in the kernel's accept queue. */
export const DRIVE_SERVER_CONNECTIONS_MAX = 256;
export const CLUSTER_SECRET_CHARS_MIN = 16;
/** Clients (front-end processes) appending to one drive at once, each to volumes of its own. */
export const DRIVE_SESSIONS_PER_DRIVE_MAX = 64;
/** A session without a request for this long is closed (its front end is gone): its volumes get sealed. */
export const DRIVE_SESSION_IDLE_MS_MAX = 30_000;
/** How often a drive server looks for idle sessions. */
export const DRIVE_SESSION_SWEEP_INTERVAL_MS = 5_000;
export const DRIVE_SESSION_PATTERN = /^[A-Za-z0-9-]{8,64}$/;
export const DRIVE_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export const HEADER_DATE = 'x-cairn-drive-date';
export const HEADER_SIGNATURE = 'x-cairn-drive-signature';
export const HEADER_BODY_SHA256 = 'x-cairn-drive-content-sha256';

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function signatureOf(secret: string, method: string, path: string, dateMs: string, bodySha256: string): string {
  return createHmac('sha256', secret).update(`${method}\n${path}\n${dateMs}\n${bodySha256}`).digest('hex');
}

/** The headers that authenticate a request with the cluster secret. */
export function signRequest(secret: string, method: string, path: string, body: Buffer, nowMs = Date.now()): Record<string, string> {
  const bodySha256 = sha256Hex(body);
  const dateMs = String(nowMs);
  return { [HEADER_DATE]: dateMs, [HEADER_BODY_SHA256]: bodySha256, [HEADER_SIGNATURE]: signatureOf(secret, method, path, dateMs, bodySha256) };
}

/** Why a request's signature is refused, or null when it is good (the body digest is checked once the body is read). */
export function signatureProblem(secret: string, method: string, path: string, headers: Record<string, string | string[] | undefined>, nowMs = Date.now()): string | null {
  const dateMs = headers[HEADER_DATE];
  const bodySha256 = headers[HEADER_BODY_SHA256];
  const given = headers[HEADER_SIGNATURE];
  if (typeof dateMs !== 'string' || typeof bodySha256 !== 'string' || typeof given !== 'string') return 'the request is not signed';
  if (!/^\d{1,15}$/.test(dateMs) || Math.abs(nowMs - Number(dateMs)) > DRIVE_REQUEST_CLOCK_SKEW_MS_MAX) return 'the request time is too far from the server\'s clock';
  const expected = Buffer.from(signatureOf(secret, method, path, dateMs, bodySha256), 'hex');
  const received = Buffer.from(given, 'hex');
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) return 'the signature does not match: a wrong cluster secret';
  return null;
}
