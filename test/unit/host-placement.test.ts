// Host-first placement (issue #19): the drive order a stripe takes its drives from puts one drive of
// each host before a second of any, so a stripe narrower than the set (copies, reduced redundancy)
// lands on distinct hosts; a set whose host holds more drives than the parity is flagged; remote
// drive locations stay URLs in the server's storage locations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveStorageLocations } from '../../src/cli/server-command.js';
import { hostFirstOrder, hostLossProblem, layoutFor } from '../../src/storage/erasure/geometry.js';

const HOSTS = ['h1', 'h1', 'h2', 'h2', 'h3', 'h3'];
const hostOf = (driveIndex: number) => HOSTS[driveIndex]!;

test('host-first order: one drive per host, then the second of each, rotation kept', () => {
  assert.deepEqual(hostFirstOrder([0, 1, 2, 3, 4, 5], hostOf), [0, 2, 4, 1, 3, 5]);
  assert.deepEqual(hostFirstOrder([3, 4, 5, 0, 1, 2], hostOf), [3, 4, 0, 2, 5, 1]);
  assert.deepEqual(hostFirstOrder([5, 0, 1, 2, 3, 4], hostOf), [5, 0, 2, 4, 1, 3]);
  // Every rotation: the first three drives are on three hosts, so 2 copies (reduced) and 3 copies never share one.
  for (let start = 0; start < HOSTS.length; start++) {
    const order = hostFirstOrder(Array.from({ length: HOSTS.length }, (_, offset) => (start + offset) % HOSTS.length), hostOf);
    assert.equal(new Set(order.slice(0, 3).map(hostOf)).size, 3, `rotation ${start}: ${order}`);
    assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4, 5]);
  }
});

test('host-first order: uneven hosts, and all-local sets keep their order', () => {
  const uneven = ['a', 'a', 'a', 'b'];
  assert.deepEqual(hostFirstOrder([0, 1, 2, 3], (index) => uneven[index]!), [0, 3, 1, 2]);
  assert.deepEqual(hostFirstOrder([2, 3, 0, 1], () => 'local'), [2, 3, 0, 1]);
});

test('a host holding more drives than the parity is named; one host alone, or within parity, is not', () => {
  assert.equal(hostLossProblem(HOSTS, layoutFor('standard', 6)), null);
  assert.equal(hostLossProblem(['local', 'local', 'local', 'local'], layoutFor('standard', 4)), null);
  assert.match(hostLossProblem(['a', 'a', 'a', 'b'], layoutFor('standard', 4)) ?? '', /host a holds 3 of the 4 drives, more than the 2 parity shards of 2\+2/);
});

test('remote drives stay URLs in the storage locations; a remote first drive needs --data', () => {
  const drives = ['http://10.0.0.1:7000/d1', '/mnt/d2', 'http://10.0.0.2:7000/d3'];
  assert.deepEqual(resolveStorageLocations({ drives, dataDirectory: '/srv/cairn' }).drivePaths, drives);
  assert.throws(() => resolveStorageLocations({ drives }), /the first drive is a remote drive: give --data DIR/);
});
