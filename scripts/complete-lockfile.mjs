#!/usr/bin/env node
// Completes package-lock.json for `npm ci`. DuckDB's Node bindings ship one optional package per
// platform; the registry this project installs from serves only the Linux builds, so `npm install`
// cannot record the others and `npm ci` then refuses the lock file ("Missing: … from lock file").
// This adds each missing platform package as an optional, platform-restricted entry: npm skips it on
// any other platform without fetching it. Idempotent; run it after `npm install` changes the lock.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const LOCK_PATH = new URL('../package-lock.json', import.meta.url);
const BINDINGS_PACKAGE = 'node_modules/@duckdb/node-bindings';
/** Package suffix → [os, cpu, libc], as DuckDB's own platform packages declare them. */
const PLATFORMS = {
  'darwin-arm64': ['darwin', 'arm64'],
  'darwin-x64': ['darwin', 'x64'],
  'linux-arm64': ['linux', 'arm64', 'glibc'],
  'linux-arm64-musl': ['linux', 'arm64', 'musl'],
  'linux-x64': ['linux', 'x64', 'glibc'],
  'linux-x64-musl': ['linux', 'x64', 'musl'],
  'win32-arm64': ['win32', 'arm64'],
  'win32-x64': ['win32', 'x64'],
};

// Installed from the registry or a tarball (npm pack), the package has no lock file of its own.
if (!existsSync(LOCK_PATH)) process.exit(0);
const lock = JSON.parse(readFileSync(LOCK_PATH, 'utf8'));
const bindings = lock.packages?.[BINDINGS_PACKAGE];
let added = 0;
for (const [name, version] of Object.entries(bindings?.optionalDependencies ?? {})) {
  const path = `node_modules/${name}`;
  if (lock.packages[path] !== undefined) continue;
  const platform = PLATFORMS[name.slice(name.indexOf('node-bindings-') + 'node-bindings-'.length)];
  if (platform === undefined) throw new Error(`${name}: unknown platform package; add it to PLATFORMS`);
  const [os, cpu, libc] = platform;
  lock.packages[path] = { version, cpu: [cpu], license: 'MIT', optional: true, os: [os], ...(libc === undefined ? {} : { libc: [libc] }) };
  added += 1;
}
if (added > 0) {
  const { '': root, ...rest } = lock.packages;
  lock.packages = { '': root, ...Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
  writeFileSync(LOCK_PATH, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(`package-lock.json: ${added} platform package entr${added === 1 ? 'y' : 'ies'} added`);
