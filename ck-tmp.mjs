import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
const db = new Database('/tmp/perfprobe/x.db'); db.pragma('journal_mode = WAL'); db.exec('create table if not exists t(a)');
const w = new Worker(new URL('file:///work/wt/perf/dist/src/index/sqlite/checkpoint-thread.js'), { workerData: { path: '/tmp/perfprobe/x.db' } });
w.on('message', (m) => console.log('msg', m)); w.on('error', (e) => console.log('err', e)); w.on('exit', (c) => console.log('exit', c));
setTimeout(() => w.postMessage({ kind: 'close' }), 600);
