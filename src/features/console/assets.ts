// The console's browser app as built by `npm run build` (scripts/build-console.ts → dist/console/):
// index.html and content-hashed assets, served with a strict Content-Security-Policy. Nothing is
// fetched from anywhere else at run time.
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';

/** dist/console/, beside dist/src/ (this file is dist/src/features/console/assets.js once built). */
export const CONSOLE_BUNDLE_DIRECTORY = resolve(import.meta.dirname, '..', '..', '..', 'console');
/** An asset name as the build writes it: name-HASH.ext (so it can be cached for good). */
const ASSET_NAME_PATTERN = /^[a-z0-9-]+-[A-Z0-9]{8}\.(js|css)$/;

const CONTENT_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/** No inline script or style; objects are previewed through the proxy (same origin) or blob: URLs. */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' blob: data:", "media-src 'self' blob:",
  "frame-src 'self'", "object-src 'self'", "connect-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONSOLE_CONTENT_SECURITY_POLICY,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}

function sendText(res: ServerResponse, status: number, contentType: string, body: Buffer, cacheControl: string): void {
  res.writeHead(status, { ...securityHeaders(), 'Content-Type': contentType, 'Content-Length': body.byteLength, 'Cache-Control': cacheControl });
  res.end(body);
}

export async function answerIndexPage(res: ServerResponse): Promise<void> {
  let page: Buffer;
  try {
    page = await readFile(join(CONSOLE_BUNDLE_DIRECTORY, 'index.html'));
  } catch {
    // A checkout built with tsc alone: say how to build the app instead of a bare 404.
    page = Buffer.from('<!doctype html><meta charset="utf-8"><title>Cairn console</title><p>The console is not built: run <code>npm run build</code>.</p>');
    sendText(res, 503, 'text/html; charset=utf-8', page, 'no-store');
    return;
  }
  sendText(res, 200, 'text/html; charset=utf-8', page, 'no-store');
}

/** Answers GET /_cairn/console/assets/NAME; false when there is no such asset. */
export async function answerAsset(res: ServerResponse, name: string): Promise<boolean> {
  if (!ASSET_NAME_PATTERN.test(name)) return false;
  let body: Buffer;
  try {
    body = await readFile(join(CONSOLE_BUNDLE_DIRECTORY, 'assets', name));
  } catch {
    return false;
  }
  sendText(res, 200, CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1)]!, body, 'public, max-age=31536000, immutable');
  return true;
}
