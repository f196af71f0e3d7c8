// Judges a tree's measurements against the tidy limits and the ratchet (scripts/tidy-exceptions.json):
// what exceeded a limit on the day the check began is listed there with its size, and may stay as
// long as it does not grow. A new long file or function, a new `any`, a new cycle or a new upward
// import fails. The ratchet only shrinks: `update` refuses to write while anything fails.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FILE_LINES_MAX, FUNCTION_LINES_MAX, type Measurements } from './tidy-measure.js';

export const EXCEPTIONS_PATH = 'scripts/tidy-exceptions.json';

export interface Exceptions {
  /** File → the line count it may not exceed. */
  fileLines: Record<string, number>;
  /** `file > enclosing > function` → the line count it may not exceed. */
  functionLines: Record<string, number>;
  /** File → how many `any` it may hold. */
  anyCount: Record<string, number>;
  /** Import cycles that may remain, each as its member files: a cycle passes inside one of them. */
  cycles: string[][];
  /** `importer -> imported` edges against the layer table that may remain. */
  upwardImports: string[];
}

export interface Verdict {
  /** One clear line per thing that fails the check. */
  failures: string[];
  /** Ratchet entries that are smaller or gone now: `--update` would shrink them. */
  shrinkable: string[];
}

export const NO_EXCEPTIONS: Exceptions = { fileLines: {}, functionLines: {}, anyCount: {}, cycles: [], upwardImports: [] };

/** Compares sizes with their ratchet entries; `what` names the limit in messages. */
function checkSizes(
  now: Record<string, number>, allowed: Record<string, number>, what: string, verdict: Verdict,
): void {
  for (const [key, size] of Object.entries(now)) {
    const listed = allowed[key];
    if (listed === undefined) verdict.failures.push(`${key}: ${what} is ${size}; the limit is exceeded (new)`);
    else if (size > listed) verdict.failures.push(`${key}: ${what} grew from ${listed} to ${size}; a listed exception may only shrink`);
  }
  for (const [key, listed] of Object.entries(allowed)) {
    const size = now[key];
    if (size === undefined || size < listed) verdict.shrinkable.push(`${key}: ${what} ${listed} → ${size ?? 'within the limit'}`);
  }
}

function checkAny(m: Measurements, ex: Exceptions, verdict: Verdict): void {
  for (const [file, lines] of Object.entries(m.anyLines)) {
    const listed = ex.anyCount[file] ?? 0;
    if (lines.length > listed) {
      verdict.failures.push(`${file}: \`any\` at line ${lines.join(', ')} (${listed} allowed); name the type, or use unknown`);
    }
  }
  for (const [file, listed] of Object.entries(ex.anyCount)) {
    const count = m.anyLines[file]?.length ?? 0;
    if (count < listed) verdict.shrinkable.push(`${file}: \`any\` count ${listed} → ${count}`);
  }
}

function checkGraph(m: Measurements, ex: Exceptions, verdict: Verdict): void {
  for (const cycle of m.cycles) {
    const within = ex.cycles.some((listed) => cycle.every((file) => listed.includes(file)));
    if (!within) verdict.failures.push(`runtime import cycle among ${cycle.join(', ')}; break it (move the shared part down, or import a type only)`);
  }
  for (const listed of ex.cycles) {
    const still = m.cycles.filter((cycle) => cycle.every((file) => listed.includes(file)));
    const remaining = still.reduce((n, cycle) => n + cycle.length, 0);
    if (remaining < listed.length) verdict.shrinkable.push(`cycle of ${listed.length} files → ${remaining} still in cycles`);
  }
  for (const [edge, why] of Object.entries(m.upwardImports)) {
    if (!ex.upwardImports.includes(edge)) verdict.failures.push(`${edge}: upward import: ${why}`);
  }
  for (const edge of ex.upwardImports) {
    if (m.upwardImports[edge] === undefined) verdict.shrinkable.push(`${edge}: upward import gone`);
  }
  for (const file of m.unplaced) {
    verdict.failures.push(`${file}: in no layer; add its folder to the table in scripts/tidy-layers.ts`);
  }
}

export function check(m: Measurements, ex: Exceptions): Verdict {
  const verdict: Verdict = { failures: [], shrinkable: [] };
  checkSizes(m.fileLines, ex.fileLines, `file length (limit ${FILE_LINES_MAX} lines)`, verdict);
  checkSizes(m.functionLines, ex.functionLines, `function length (limit ${FUNCTION_LINES_MAX} lines)`, verdict);
  checkAny(m, ex, verdict);
  checkGraph(m, ex, verdict);
  return verdict;
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The ratchet that lists exactly what exceeds the limits in `m` (for `--init`, or a passing `--update`). */
export function exceptionsFrom(m: Measurements): Exceptions {
  return {
    fileLines: sortedRecord(m.fileLines),
    functionLines: sortedRecord(m.functionLines),
    anyCount: sortedRecord(Object.fromEntries(Object.entries(m.anyLines).map(([file, lines]) => [file, lines.length]))),
    cycles: m.cycles,
    upwardImports: Object.keys(m.upwardImports).sort(),
  };
}

/** The shrunk ratchet, or the failures that forbid writing one (an update never adds or grows). */
export function update(m: Measurements, ex: Exceptions): { exceptions: Exceptions } | { refused: string[] } {
  const { failures } = check(m, ex);
  return failures.length > 0 ? { refused: failures } : { exceptions: exceptionsFrom(m) };
}

const HEADER = 'Tidy ratchet: what exceeded a limit when the check began. Entries may only shrink or go; see scripts/tidy.ts.';

export function readExceptions(path: string): Exceptions {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Exceptions>;
  return { ...NO_EXCEPTIONS, ...parsed };
}

export function writeExceptions(path: string, ex: Exceptions): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ '//': HEADER, ...ex }, null, 2)}\n`);
}
