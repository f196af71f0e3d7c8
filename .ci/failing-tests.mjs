#!/usr/bin/env node
// CI's last words: the failing tests of a TAP log (node --test's output), each with its YAML block
// (the error, its location), so a failure stays readable when only the tail of CI's output is kept.
// Usage: node .ci/failing-tests.mjs TITLE LOG
import { readFileSync } from 'node:fs';

const MAX_LINES_PER_FAILURE = 40;
const [title, logPath] = process.argv.slice(2);
const lines = readFileSync(logPath, 'utf8').split('\n');
const failures = [];
for (let index = 0; index < lines.length; index++) {
  const notOk = /^(\s*)not ok \d+ - (.*)$/.exec(lines[index]);
  if (!notOk) continue;
  const blockEnd = `${notOk[1]}  ...`;
  const block = [lines[index]];
  for (let next = index + 1; next < lines.length && lines[next] !== blockEnd; next++) block.push(lines[next]);
  // A suite that failed only because a test inside it failed repeats nothing new.
  if (block.some((line) => /failureType: 'subtestsFailed'/.test(line))) continue;
  failures.push(block.length > MAX_LINES_PER_FAILURE ? [...block.slice(0, MAX_LINES_PER_FAILURE), `${notOk[1]}  (… ${block.length - MAX_LINES_PER_FAILURE} more lines)`] : block);
}
console.log(`== ${title}: ${failures.length} failing test${failures.length === 1 ? '' : 's'}`);
// None in a failed run: the build, the tidy check or the runner itself failed (its own output is above).
if (failures.length === 0) console.log('(no failing test in the TAP output: see the lines just before this summary)');
for (const block of failures) console.log(block.join('\n'));
