#!/usr/bin/env node
// The `cairn` command: a thin launcher for the compiled CLI (built by `npm install` via `prepare`).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (exitCode) => { if (typeof exitCode === 'number') process.exitCode = exitCode; },
  (error) => { console.error(error instanceof Error ? error.message : error); process.exitCode = 1; },
);
