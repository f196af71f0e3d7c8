// Builds the console's browser app (console/) into dist/console/: one ES module and one stylesheet,
// bundled and minified by esbuild with content hashes in their names, and index.html naming them.
// Everything the page needs is in that folder: nothing is fetched from elsewhere at run time.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SOURCE = join(ROOT, 'console');
const OUT = join(ROOT, 'dist', 'console');

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(join(OUT, 'assets'), { recursive: true });
  const result = await build({
    entryPoints: { app: join(SOURCE, 'src', 'main.ts') },
    bundle: true, minify: true, format: 'esm', target: 'es2022', platform: 'browser', sourcemap: false,
    outdir: join(OUT, 'assets'), entryNames: '[name]-[hash]', metafile: true, legalComments: 'none', logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const script = outputs.find((name) => name.endsWith('.js'));
  const style = outputs.find((name) => name.endsWith('.css'));
  if (script === undefined || style === undefined) throw new Error(`console build: expected a .js and a .css, got ${outputs.join(', ')}`);
  const page = readFileSync(join(SOURCE, 'index.html'), 'utf8').replace('__JS__', script).replace('__CSS__', style);
  writeFileSync(join(OUT, 'index.html'), page);
  console.log(`console: dist/console/assets/${script}, ${style}`);
}

await main();
