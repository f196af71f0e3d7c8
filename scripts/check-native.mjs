#!/usr/bin/env node
// Loads every native dependency and makes it do one small thing, so a missing or broken build (an
// addon compiled for another Node, a failed install script) fails CI here, clearly, rather than as
// a crash in the middle of the suite. Run it after `npm ci`, with the node the suite will use.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const checks = {
  'better-sqlite3': () => new (require('better-sqlite3'))(':memory:').prepare('select sqlite_version() as v').get().v,
  '@ronomon/reed-solomon': () => typeof require('@ronomon/reed-solomon').encode === 'function' && 'loaded',
  '@cairn/crc64nvme': () => {
    const addon = require('@cairn/crc64nvme');
    const check = Buffer.from('123456789');
    return `${addon.crc64nvme(check)} (${addon.implementation}), crc32c ${addon.crc32c(check)} (${addon.crc32cImplementation})`;
  },
  '@duckdb/node-api': async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    return (await connection.runAndReadAll('select version() as v')).getRows()[0][0];
  },
};
for (const [name, check] of Object.entries(checks)) {
  console.log(`${name} on node ${process.version}: ${await check()}`);
}
