// The tidy check (scripts/tidy.ts) over fixture trees written to a temp dir: a clean tree passes;
// a new cycle, an upward import, an over-long function or file and an `any` each fail it with a
// message naming the file; the ratchet lets a listed exception shrink but never grow.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import { measure, FILE_LINES_MAX, FUNCTION_LINES_MAX } from '../../scripts/tidy-measure.js';
import { check, update, exceptionsFrom, NO_EXCEPTIONS, EXCEPTIONS_PATH, type Exceptions } from '../../scripts/tidy-check.js';

const TIDY_SCRIPT = fileURLToPath(new URL('../../scripts/tidy.js', import.meta.url));

/** A small tree in Cairn's shape, every import pointing down the layers. */
const CLEAN: Record<string, string> = {
  'src/limits.ts': 'export const SIZE_MAX = 10;\n',
  'src/util/bytes.ts': "import { SIZE_MAX } from '../limits.js';\nexport const clamp = (n: number): number => Math.min(n, SIZE_MAX);\n",
  'src/index/types.ts': 'export interface Row { key: string }\n',
  'src/index/db.ts': "import type { Row } from './types.js';\nimport { clamp } from '../util/bytes.js';\nexport const rows: Row[] = [{ key: String(clamp(3)) }];\n",
  'src/storage/drive.ts': "import { SIZE_MAX } from '../limits.js';\nexport const drive = { size: SIZE_MAX };\n",
  'src/services/objects.ts': "import { rows } from '../index/db.js';\nimport { drive } from '../storage/drive.js';\nexport const count = (): number => rows.length + drive.size;\n",
  'src/frontend/router.ts': "import { count } from '../services/objects.js';\nexport const route = (): number => count();\n",
  'src/frontend/errors.ts': "import type { route } from './router.js';\nexport type Route = typeof route;\n",
  'src/features/tables/surface.ts': "import { route } from '../../frontend/router.js';\nexport const tables = route;\n",
  'src/cli/main.ts': "import { tables } from '../features/tables/surface.js';\nexport const run = tables;\n",
  'test/router.test.ts': "import { route } from '../src/frontend/router.js';\nroute();\n",
};

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cairn-tidy-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function failuresOf(files: Record<string, string>, exceptions: Exceptions = NO_EXCEPTIONS): string[] {
  return check(measure(tree(files)), exceptions).failures;
}

/** A function of `lines` lines in all, first line to closing brace. */
function functionOf(name: string, lines: number): string {
  const body = Array.from({ length: lines - 2 }, (_, i) => `  const v${i} = ${i};`).join('\n');
  return `export function ${name}(): void {\n${body}\n}\n`;
}

describe('tidy check', () => {
  it('passes a clean tree, whose type-only import back up a layer closes no runtime cycle', () => {
    assert.deepEqual(failuresOf(CLEAN), []);
  });

  it('fails a new runtime import cycle, naming its files', () => {
    const failures = failuresOf({
      ...CLEAN,
      'src/frontend/errors.ts': "import { route } from './router.js';\nexport const again = route;\n",
      'src/frontend/router.ts': "import { again } from './errors.js';\nimport { count } from '../services/objects.js';\nexport const route = (): number => count() + (again === undefined ? 0 : 1);\n",
    });
    assert.deepEqual(failures, [
      'runtime import cycle among src/frontend/errors.ts, src/frontend/router.ts; break it (move the shared part down, or import a type only)',
    ]);
  });

  it('fails an upward import, type-only or not, and a feature importing another', () => {
    const failures = failuresOf({
      ...CLEAN,
      'src/storage/drive.ts': "import type { Row } from '../index/types.js';\nexport const drive = { size: 1 } as { size: number; row?: Row };\n",
      'src/services/objects.ts': "import { route } from '../frontend/router.js';\nexport const count = (): number => 1;\nexport const r = route;\n",
      'src/features/events/feed.ts': "import { tables } from '../tables/surface.js';\nexport const feed = tables;\n",
      'src/frontend/admin.ts': "export const load = () => import('../features/tables/surface.js');\n",
      'src/index/db.ts': "export const rows: Array<import('../services/objects.js').Row> = [];\n",
    });
    assert.deepEqual(failures.filter((f) => !f.startsWith('runtime import cycle')), [
      'src/features/events/feed.ts -> src/features/tables/surface.ts: upward import: a feature (features/events) imports another feature (features/tables)',
      'src/frontend/admin.ts -> src/features/tables/surface.ts: upward import: frontend may import only services, index, storage, util, limits; not features',
      'src/index/db.ts -> src/services/objects.ts: upward import: index may import only util, limits; not services',
      'src/services/objects.ts -> src/frontend/router.ts: upward import: services may import only index, storage, util, limits; not frontend',
      'src/storage/drive.ts -> src/index/types.ts: upward import: storage may import only util, limits; not index',
    ]);
  });

  it('fails a file of src/ that sits in no layer', () => {
    assert.deepEqual(failuresOf({ ...CLEAN, 'src/helpers.ts': 'export const x = 1;\n' }), [
      'src/helpers.ts: in no layer; add its folder to the table in scripts/tidy-layers.ts',
    ]);
  });

  it(`fails a function over ${FUNCTION_LINES_MAX} lines, naming it, and passes one at the limit`, () => {
    assert.deepEqual(failuresOf({ ...CLEAN, 'src/util/long.ts': functionOf('justRight', FUNCTION_LINES_MAX) }), []);
    const method = `export class Codec {\n  decode(): void {\n${'    void 0;\n'.repeat(FUNCTION_LINES_MAX - 1)}  }\n}\n`;
    assert.deepEqual(failuresOf({ ...CLEAN, 'src/util/long.ts': functionOf('tooLong', FUNCTION_LINES_MAX + 1), 'src/util/codec.ts': method }), [
      `src/util/codec.ts > Codec > decode: function length (limit ${FUNCTION_LINES_MAX} lines) is ${FUNCTION_LINES_MAX + 1}; the limit is exceeded (new)`,
      `src/util/long.ts > tooLong: function length (limit ${FUNCTION_LINES_MAX} lines) is ${FUNCTION_LINES_MAX + 1}; the limit is exceeded (new)`,
    ]);
  });

  it('counts a test callback but not the describe that groups tests', () => {
    const body = "    assert.ok(true);\n".repeat(FUNCTION_LINES_MAX);
    const test = `import { strict as assert } from 'node:assert';\nimport { describe, it } from 'node:test';\ndescribe('group', () => {\n  it('one', () => {\n${body}  });\n});\n`;
    assert.deepEqual(failuresOf({ ...CLEAN, 'test/long.test.ts': test }), [
      `test/long.test.ts > describe('group') > it('one'): function length (limit ${FUNCTION_LINES_MAX} lines) is ${FUNCTION_LINES_MAX + 2}; the limit is exceeded (new)`,
    ]);
  });

  it(`fails a file over ${FILE_LINES_MAX} lines`, () => {
    const text = Array.from({ length: FILE_LINES_MAX + 1 }, (_, i) => `export const c${i} = ${i};`).join('\n') + '\n';
    assert.deepEqual(failuresOf({ ...CLEAN, 'bench/big.ts': text }), [
      `bench/big.ts: file length (limit ${FILE_LINES_MAX} lines) is ${FILE_LINES_MAX + 1}; the limit is exceeded (new)`,
    ]);
  });

  it('fails an `any`, in a type annotation or a cast, with its lines', () => {
    const text = 'export function f(x: unknown): number {\n  const y: any = x;\n  return (y as any).n as number;\n}\n';
    assert.deepEqual(failuresOf({ ...CLEAN, 'src/util/loose.ts': text }), [
      'src/util/loose.ts: `any` at line 2, 3 (0 allowed); name the type, or use unknown',
    ]);
  });
});

describe('tidy ratchet', () => {
  const LONG = 'src/util/long.ts';
  const KEY = `${LONG} > legacy`;

  it('lets a listed exception stay or shrink, and fails it when it grows', () => {
    const listed: Exceptions = { ...NO_EXCEPTIONS, functionLines: { [KEY]: 90 } };
    assert.deepEqual(failuresOf({ ...CLEAN, [LONG]: functionOf('legacy', 90) }, listed), []);
    const shrunk = check(measure(tree({ ...CLEAN, [LONG]: functionOf('legacy', 80) })), listed);
    assert.deepEqual(shrunk, { failures: [], shrinkable: [`${KEY}: function length (limit ${FUNCTION_LINES_MAX} lines) 90 → 80`] });
    assert.deepEqual(failuresOf({ ...CLEAN, [LONG]: functionOf('legacy', 91) }, listed), [
      `${KEY}: function length (limit ${FUNCTION_LINES_MAX} lines) grew from 90 to 91; a listed exception may only shrink`,
    ]);
  });

  it('update shrinks and removes entries but refuses to grow or add one', () => {
    const listed: Exceptions = { ...NO_EXCEPTIONS, functionLines: { [KEY]: 90 }, anyCount: { 'src/util/old.ts': 2 } };
    const shrunk = update(measure(tree({ ...CLEAN, [LONG]: functionOf('legacy', 75) })), listed);
    assert.deepEqual(shrunk, { exceptions: { ...NO_EXCEPTIONS, functionLines: { [KEY]: 75 } } });
    const grown = update(measure(tree({ ...CLEAN, [LONG]: functionOf('legacy', 95) })), listed);
    assert.deepEqual(grown, { refused: [`${KEY}: function length (limit ${FUNCTION_LINES_MAX} lines) grew from 90 to 95; a listed exception may only shrink`] });
    const added = update(measure(tree({ ...CLEAN, 'src/util/new.ts': 'export const n: any = 1;\n' })), listed);
    assert.deepEqual(added, { refused: ['src/util/new.ts: `any` at line 1 (0 allowed); name the type, or use unknown'] });
  });

  it('lets a listed cycle shrink but not take in another file', () => {
    const cyclic = {
      ...CLEAN,
      'src/frontend/errors.ts': "import { route } from './router.js';\nexport const again = route;\n",
      'src/frontend/router.ts': "import { again } from './errors.js';\nexport const route = (): unknown => again;\n",
    };
    const listed = exceptionsFrom(measure(tree(cyclic)));
    assert.deepEqual(listed.cycles, [['src/frontend/errors.ts', 'src/frontend/router.ts']]);
    assert.deepEqual(failuresOf(cyclic, listed), []);
    const wider = { ...cyclic, 'src/frontend/router.ts': "import { again } from './errors.js';\nimport { x } from './third.js';\nexport const route = (): unknown => again ?? x;\n", 'src/frontend/third.ts': "import { route } from './router.js';\nexport const x = route;\n" };
    assert.equal(failuresOf(wider, listed).length, 1);
  });
});

describe('tidy command', () => {
  function run(root: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [TIDY_SCRIPT, ...args], { cwd: root, encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('exits 0 on a clean tree and 1 with the failures listed otherwise; --update refuses to add', () => {
    assert.deepEqual(run(tree(CLEAN)), { status: 0, stdout: 'tidy: ok\n', stderr: '' });
    const dirty = tree({ ...CLEAN, 'src/storage/drive.ts': "import type { count } from '../services/objects.js';\nexport const drive = { size: 1 };\nexport type Count = typeof count;\n" });
    const failure = 'src/storage/drive.ts -> src/services/objects.ts: upward import: storage may import only util, limits; not services';
    assert.deepEqual(run(dirty), { status: 1, stdout: '', stderr: `tidy: 1 failure(s):\n  ${failure}\n` });
    const refused = run(dirty, '--update');
    assert.equal(refused.status, 1);
    assert.equal(refused.stderr, `tidy: --update refuses to add or grow an exception:\n  ${failure}\n`);
    assert.equal(run(dirty, '--init').status, 0);
    assert.deepEqual(JSON.parse(readFileSync(join(dirty, EXCEPTIONS_PATH), 'utf8')).upwardImports, ['src/storage/drive.ts -> src/services/objects.ts']);
    assert.deepEqual(run(dirty), { status: 0, stdout: 'tidy: ok\n', stderr: '' });
  });
});
