// Locations the benchmark needs, resolved from this file (dist/bench/paths.js when compiled).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CAIRN_BIN = join(REPO_ROOT, 'bin', 'cairn.js');
export const S3RVER_BIN = join(REPO_ROOT, 'node_modules', 's3rver', 'bin', 's3rver.js');
export const RESULTS_DIRECTORY = join(REPO_ROOT, 'bench', 'results');
export const DIST_BENCH_DIRECTORY = join(REPO_ROOT, 'dist', 'bench');
