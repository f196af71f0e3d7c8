// Helpers for the console's browser test: Chromium launched as test/browser.test.ts does, logging in
// through the page, the console's own API called from Node with a session cookie, and screenshots
// into docs/console/ when CAIRN_CONSOLE_SCREENSHOTS=1.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { REPO_ROOT, type RunningServer } from './server.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
export const CONSOLE_STEP_TIMEOUT_MS = 15_000;
const SCREENSHOT_DIRECTORY = join(REPO_ROOT, 'docs', 'console');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: CONSOLE_STEP_TIMEOUT_MS });
}

export function consoleUrl(server: RunningServer): string {
  return `${server.endpoint}/_cairn/console/`;
}

export async function logIn(page: Page, server: RunningServer, accessKeyId: string, secretAccessKey: string): Promise<void> {
  await page.goto(consoleUrl(server));
  await page.fill('#access-key-id', accessKeyId);
  await page.fill('#secret-access-key', secretAccessKey);
  await page.click('#login-button');
}

/** Writes docs/console/NAME.png when CAIRN_CONSOLE_SCREENSHOTS=1 (the committed screenshots come from here). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env['CAIRN_CONSOLE_SCREENSHOTS'] !== '1') return;
  mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIRECTORY, `${name}.png`), fullPage: true });
}

/** A fetch of the console's API from Node, as a page with this cookie would send it. */
export async function consoleFetch(server: RunningServer, path: string, init: { method?: string; cookie?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; json: unknown; headers: Headers }> {
  const response = await fetch(`${server.endpoint}/_cairn/console/api/${path}`, {
    method: init.method ?? 'GET', body: init.body,
    headers: { ...(init.cookie === undefined ? {} : { cookie: init.cookie }), ...init.headers },
  });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON: kept as text.
  }
  return { status: response.status, json, headers: response.headers };
}
