// The tidy check (`npm test` runs it before the tests), after TigerBeetle's tidy.zig: files ≤ 400
// lines, functions ≤ 70, no `any`, no runtime import cycle in src/, and imports only down the layer
// table of scripts/tidy-layers.ts. What exceeded a limit when the check began is listed in
// scripts/tidy-exceptions.json and may only shrink.
//
//   node dist/scripts/tidy.js            check the tree in the current directory
//   node dist/scripts/tidy.js --update   rewrite the ratchet after shrinking something (never adds or grows)
//   node dist/scripts/tidy.js --init     write the ratchet from scratch (only when deliberately re-baselining)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from './tidy-measure.js';
import {
  check, update, exceptionsFrom, readExceptions, writeExceptions, EXCEPTIONS_PATH, NO_EXCEPTIONS,
} from './tidy-check.js';

function main(args: readonly string[]): number {
  const unknown = args.filter((arg) => arg !== '--update' && arg !== '--init');
  if (unknown.length > 0 || args.length > 1) {
    console.error('usage: tidy [--update | --init]');
    return 2;
  }
  const root = process.cwd();
  const path = join(root, EXCEPTIONS_PATH);
  const m = measure(root);
  if (args[0] === '--init') {
    writeExceptions(path, exceptionsFrom(m));
    console.log(`tidy: wrote ${EXCEPTIONS_PATH} from scratch`);
    return 0;
  }
  const ex = existsSync(path) ? readExceptions(path) : NO_EXCEPTIONS;
  if (args[0] === '--update') {
    const result = update(m, ex);
    if ('refused' in result) {
      console.error(`tidy: --update refuses to add or grow an exception:\n  ${result.refused.join('\n  ')}`);
      return 1;
    }
    writeExceptions(path, result.exceptions);
    console.log(`tidy: ${EXCEPTIONS_PATH} updated`);
    return 0;
  }
  const verdict = check(m, ex);
  if (verdict.shrinkable.length > 0) {
    console.log(`tidy: ${verdict.shrinkable.length} exception(s) can shrink; run \`node dist/scripts/tidy.js --update\`:\n  ${verdict.shrinkable.join('\n  ')}`);
  }
  if (verdict.failures.length > 0) {
    console.error(`tidy: ${verdict.failures.length} failure(s):\n  ${verdict.failures.join('\n  ')}`);
    return 1;
  }
  console.log('tidy: ok');
  return 0;
}

process.exitCode = main(process.argv.slice(2));
