// The walk under `cairn admin restore`, against a real server: each key's latest entry and its entry
// at TIME, with versions and delete markers split across listing pages at every place, merged with a
// target bucket's listing by key.
import { CreateBucketCommand, DeleteObjectCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { currentObjects, keyHistories, keyStates } from '../src/cli/admin/restore/history.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

/** Apart by more than a millisecond, so "LastModified ≤ TIME" separates before from after. */
const CLOCK_GAP_MS = 30;

describe('restore: walking key histories', () => {
  let server: RunningServer;
  let s3: S3Client;
  before(async () => {
    ({ server, s3 } = await openSuite());
  });
  after(() => closeSuite(server, s3));

  it('finds each key\'s latest entry and its entry at TIME across listing pages, and merges a target listing by key', async () => {
    for (const Bucket of ['pages', 'pages-target']) {
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    }
    const put = async (Key: string) => (await s3.send(new PutObjectCommand({ Bucket: 'pages', Key, Body: Key }))).VersionId!;
    const remove = async (Key: string) => (await s3.send(new DeleteObjectCommand({ Bucket: 'pages', Key }))).VersionId!;
    await put('k1');
    const k1AtTime = await put('k1');
    await put('k3');
    await remove('k3');
    const k3AtTime = await put('k3');
    await put('k4');
    const k4Marker = await remove('k4');
    await sleep(CLOCK_GAP_MS);
    const timeMs = Date.now();
    await sleep(CLOCK_GAP_MS);
    const k1Marker = await remove('k1');
    const k2Latest = await put('k2');
    const k3Latest = await put('k3');
    const expected = [
      { key: 'k1', latest: k1Marker, latestIsMarker: true, atTime: k1AtTime },
      { key: 'k2', latest: k2Latest, latestIsMarker: false, atTime: undefined },
      { key: 'k3', latest: k3Latest, latestIsMarker: false, atTime: k3AtTime },
      { key: 'k4', latest: k4Marker, latestIsMarker: true, atTime: k4Marker },
    ];
    // Ten entries in all: pages of 1, 2 and 3 split keys, and versions from delete markers, at every place.
    for (const pageEntries of [1, 2, 3, 1000]) {
      const walked = [];
      for await (const history of keyHistories(s3, 'pages', '', timeMs, pageEntries)) {
        walked.push({ key: history.key, latest: history.latest.versionId, latestIsMarker: history.latest.isDeleteMarker, atTime: history.atTime?.versionId });
      }
      assert.deepEqual(walked, expected, `pages of ${pageEntries}`);
    }
    for (const Key of ['k0', 'k2', 'k5']) await s3.send(new PutObjectCommand({ Bucket: 'pages-target', Key, Body: Key }));
    const merged = [];
    for await (const state of keyStates(keyHistories(s3, 'pages', '', timeMs, 2), currentObjects(s3, 'pages-target', '', 1))) {
      merged.push(`${state.key}:${state.history === undefined ? '' : 'source'}+${state.targetObject === undefined ? '' : 'target'}`);
    }
    assert.deepEqual(merged, ['k0:+target', 'k1:source+', 'k2:source+target', 'k3:source+', 'k4:source+', 'k5:+target']);
  });
});
