// Where `cairn server` keeps the drives, the index and the credentials for each combination of
// --data, --index and drives (README, "Drives and storage classes").
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { resolveStorageLocations } from '../../src/cli/server-command.js';

test('without drives: everything under --data (default ./data), --index moves only the index', () => {
  assert.deepEqual(resolveStorageLocations({ drives: [] }), {
    dataDirectory: resolve('data'), drivePaths: [resolve('data', 'drive')], indexDirectory: resolve('data'),
  });
  assert.deepEqual(resolveStorageLocations({ dataDirectory: '/srv/cairn', drives: [], indexDirectory: '/fast/index' }), {
    dataDirectory: '/srv/cairn', drivePaths: ['/srv/cairn/drive'], indexDirectory: '/fast/index',
  });
});

test('with drives: the index in --index, else --data, else inside the first drive; credentials in --data, else beside the index', () => {
  const drives = ['/mnt/d1', '/mnt/d2', '/mnt/d3'];
  assert.deepEqual(resolveStorageLocations({ drives }), { dataDirectory: join('/mnt/d1', 'index'), drivePaths: drives, indexDirectory: join('/mnt/d1', 'index') });
  assert.deepEqual(resolveStorageLocations({ drives, dataDirectory: '/var/lib/cairn' }), { dataDirectory: '/var/lib/cairn', drivePaths: drives, indexDirectory: '/var/lib/cairn' });
  assert.deepEqual(resolveStorageLocations({ drives, indexDirectory: '/ssd/index' }), { dataDirectory: '/ssd/index', drivePaths: drives, indexDirectory: '/ssd/index' });
  assert.deepEqual(resolveStorageLocations({ drives, dataDirectory: '/etc/cairn', indexDirectory: '/ssd/index' }), { dataDirectory: '/etc/cairn', drivePaths: drives, indexDirectory: '/ssd/index' });
  assert.deepEqual(resolveStorageLocations({ drives: ['relative/d1', 'relative/d2'] }).drivePaths, [resolve('relative/d1'), resolve('relative/d2')]);
});
