// Measures a source tree for the tidy check with the TypeScript compiler API: file and function
// lengths, every `any`, the runtime import graph of src/ (its cycles and its imports against the
// layer table). It judges nothing; tidy-check.ts compares the measurements with the limits.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative, posix } from 'node:path';
import ts from 'typescript';
import { placeOf, layerViolation } from './tidy-layers.js';

export const FILE_LINES_MAX = 400;
export const FUNCTION_LINES_MAX = 70;
/** The folders whose TypeScript the length and `any` rules cover; layers and cycles cover src/ only. */
export const SCANNED_DIRS = ['src', 'test', 'bench', 'scripts'] as const;
/** Calls whose callback only groups tests: their length is the sum of their tests', not a function's. */
const GROUPING_CALLS = new Set(['describe', 'suite']);

export interface Measurements {
  /** File (relative to the root) → its line count, for files over FILE_LINES_MAX. */
  fileLines: Record<string, number>;
  /** `file > enclosing > function` → its line count, for functions over FUNCTION_LINES_MAX. */
  functionLines: Record<string, number>;
  /** File → the lines (1-based) where `any` is written. */
  anyLines: Record<string, number[]>;
  /** Each import cycle as its sorted member files (one strongly connected component). */
  cycles: string[][];
  /** `importer -> imported` → why the layer table forbids it. */
  upwardImports: Record<string, string>;
  /** Files of src/ that sit in no layer of the table. */
  unplaced: string[];
}

function listTs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

function lineOf(sf: ts.SourceFile, pos: number): number {
  return sf.getLineAndCharacterOfPosition(pos).line + 1;
}

function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessor(node) ||
    ts.isSetAccessor(node)
  );
}

function nameText(name: ts.Node | undefined, sf: ts.SourceFile): string | undefined {
  return name === undefined ? undefined : name.getText(sf);
}

/** `it('lists keys')`, `items.map(…)`: how an anonymous callback is named by the call it is passed to. */
function callLabel(call: ts.CallExpression, sf: ts.SourceFile): string {
  const callee = call.expression.getText(sf).replace(/\s+/g, '');
  const first = call.arguments[0];
  const title = first !== undefined && ts.isStringLiteralLike(first) ? `'${first.text}'` : '…';
  return `${callee.length > 40 ? `${callee.slice(0, 40)}…` : callee}(${title})`;
}

/** The segment a function or class adds to the names of the functions inside it. */
function segmentOf(node: ts.Node, sf: ts.SourceFile): string | undefined {
  if (ts.isClassLike(node)) return nameText(node.name, sf) ?? '<class>';
  if (!isFunctionLike(node)) return undefined;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const own = nameText(node.name, sf);
  if (own !== undefined) return own;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return nameText(parent.name, sf) ?? '<function>';
  }
  if (ts.isCallExpression(parent)) return callLabel(parent, sf);
  return '<function>';
}

function isGroupingCallback(node: ts.Node): boolean {
  const parent = node.parent;
  if (!ts.isCallExpression(parent) || !parent.arguments.includes(node as ts.Expression)) return false;
  const callee = parent.expression;
  const base = ts.isPropertyAccessExpression(callee) ? callee.expression : callee;
  return ts.isIdentifier(base) && GROUPING_CALLS.has(base.text);
}

/** Over-long functions and every `any` in one file. */
function measureSyntax(file: string, sf: ts.SourceFile, out: Measurements): void {
  const seen = new Map<string, number>();
  const visit = (node: ts.Node, path: string[]): void => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) (out.anyLines[file] ??= []).push(lineOf(sf, node.getStart(sf)));
    const segment = segmentOf(node, sf);
    const inner = segment === undefined ? path : [...path, segment];
    if (isFunctionLike(node) && node.body !== undefined && !isGroupingCallback(node)) {
      const lines = lineOf(sf, node.end) - lineOf(sf, node.getStart(sf)) + 1;
      const base = `${file} > ${inner.join(' > ')}`;
      const count = (seen.get(base) ?? 0) + 1;
      seen.set(base, count);
      if (lines > FUNCTION_LINES_MAX) out.functionLines[count === 1 ? base : `${base} #${count}`] = lines;
    }
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  visit(sf, []);
}

/** Every module specifier a file names: import/export declarations (type-only too), `import()`, `import('…').T`. */
function specifiersIn(sf: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg !== undefined && ts.isStringLiteralLike(arg)) found.push(arg.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      if (ts.isStringLiteral(node.argument.literal)) found.push(node.argument.literal.text); // import('…').T
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** What a file loads when its module is evaluated: its static imports left after type erasure. */
function loadedAtRunTime(path: string, text: string): string[] {
  // Transpiling drops exactly the imports TypeScript erases (`import type`, names used only as
  // types), so what is left is what Node loads. `import()` runs later, so it closes no cycle.
  const js = ts.transpileModule(text, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: path,
  }).outputText;
  const sf = ts.createSourceFile(path, js, ts.ScriptTarget.ES2022, false);
  return sf.statements.flatMap((statement) =>
    (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
    statement.moduleSpecifier !== undefined && ts.isStringLiteral(statement.moduleSpecifier)
      ? [statement.moduleSpecifier.text]
      : []);
}

/** `./x.js` from src/a/b.ts → `src/a/x.ts` (root-relative), when that file exists; else undefined. */
function resolveLocal(root: string, importer: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(importer), specifier));
  for (const candidate of [target.replace(/\.js$/, '.ts'), `${target}.ts`, `${target}/index.ts`]) {
    if (existsSync(join(root, candidate))) return candidate;
  }
  return undefined;
}

/** Tarjan's strongly connected components; the ones with a cycle, each sorted, in a stable order. */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!); // set on the line above
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!)); // both set when visited
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) {
      onStack.delete(w);
      component.push(w);
    }
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return found.sort((a, b) => (a[0]! < b[0]! ? -1 : 1)); // components are never empty
}

/** The import graph of src/: layers over every import (a type is a dependency too), cycles over runtime ones. */
function measureImports(root: string, sources: ReadonlyMap<string, ts.SourceFile>, out: Measurements): void {
  const graph = new Map<string, string[]>();
  for (const [file, sf] of sources) {
    if (!file.startsWith('src/')) continue;
    const from = placeOf(file.slice('src/'.length));
    if (from === undefined) out.unplaced.push(file);
    for (const specifier of specifiersIn(sf)) {
      const target = resolveLocal(root, file, specifier);
      const to = target?.startsWith('src/') === true ? placeOf(target.slice('src/'.length)) : undefined;
      const why = from === undefined || to === undefined ? undefined : layerViolation(from, to);
      if (why !== undefined) out.upwardImports[`${file} -> ${target}`] = why;
    }
    const loaded = loadedAtRunTime(file, sf.text).map((specifier) => resolveLocal(root, file, specifier));
    graph.set(file, loaded.filter((target): target is string => target?.startsWith('src/') === true));
  }
  out.cycles = cyclesOf(graph);
}

/** Measures the tree at `root` (a Cairn checkout, or a test's fixture tree of the same shape). */
export function measure(root: string): Measurements {
  const out: Measurements = { fileLines: {}, functionLines: {}, anyLines: {}, cycles: [], upwardImports: {}, unplaced: [] };
  const sources = new Map<string, ts.SourceFile>();
  for (const dir of SCANNED_DIRS) {
    for (const path of listTs(join(root, dir))) {
      const file = relative(root, path).split('\\').join('/');
      const text = readFileSync(path, 'utf8');
      const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
      sources.set(file, sf);
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      if (lines > FILE_LINES_MAX) out.fileLines[file] = lines;
      measureSyntax(file, sf, out);
    }
  }
  measureImports(root, sources, out);
  return out;
}
