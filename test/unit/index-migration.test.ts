// Schema migrations of the SQLite index: an index written at version 1 (before the S3 Tables
// catalog and ACLs) opens at the current version with its data kept and the catalog's tables and the
// ACL columns added; an index newer than this code is refused.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import { SCHEMA_VERSION } from '../../src/index/sqlite/migrations.js';
import { SCHEMA_SQL } from '../../src/index/sqlite/schema.js';
import { BACKUP_SCHEMA_SQL } from '../../src/index/sqlite/backup-schema.js';

async function indexPath(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), 'cairn-index-migration-')), 'index.db');
}

function storedVersion(file: string): string | undefined {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT value FROM meta WHERE name = 'schema_version'").get() as { value: string } | undefined)?.value;
  } finally {
    db.close();
  }
}

/** Versions 11 and 12 on an index holding table bucket `tb` (id `id`) with namespace `ns`: S3 Tables maintenance and settings. */
async function checkTableMaintenanceAndSettings(index: SqliteIndex): Promise<void> {
    // Version 11: S3 Tables maintenance records, replaced by owner and kind.
    await index.putTableMaintenance({ ownerId: 'id', kind: 'config:a', value: '{}' });
    await index.putTableMaintenance({ ownerId: 'id', kind: 'config:a', value: '{"x":1}' });
    assert.deepEqual(await index.getTableMaintenance('id'), [{ ownerId: 'id', kind: 'config:a', value: '{"x":1}' }]);
    assert.deepEqual(await index.listTableMaintenanceOfKind('config:a'), [{ ownerId: 'id', kind: 'config:a', value: '{"x":1}' }]);
    // A deleted table's records go with it.
    const table = {
      tableBucket: 'tb', namespace: 'ns', name: 't', tableId: 't1', format: 'ICEBERG' as const, versionToken: 'v', warehouseLocation: 's3://w/t1',
      createdAtMs: 4, createdBy: 'a', modifiedAtMs: 4, modifiedBy: 'a', ownerAccountId: '000000000000',
    };
    assert.equal(await index.createTable(table), 'created');
    await index.putTableMaintenance({ ownerId: 't1', kind: 'status:a', value: '{}' });
    assert.equal(await index.deleteTable('tb', 'ns', 't', undefined), 'deleted');
    assert.deepEqual(await index.getTableMaintenance('t1'), []);
    // Version 12: S3 Tables settings, forgotten with their table bucket.
    await index.putTableSetting('id', 'policy', '{"Statement":[]}');
    assert.equal(await index.mergeTableTags('id', { a: '1', b: '2' }, [], 2), 'merged');
    assert.equal(await index.mergeTableTags('id', { c: '3' }, [], 2), 'too-many');
    assert.equal(await index.getTableSetting('id', 'tags'), '{"a":"1","b":"2"}');
    assert.equal(await index.deleteTableNamespace('tb', 'ns'), 'deleted');
    assert.equal(await index.deleteTableBucket('tb'), 'deleted');
    assert.equal(await index.getTableSetting('id', 'policy'), undefined);
}

describe('index schema migrations', () => {
  it('upgrades a version 1 index to the current version, keeping its buckets', async () => {
    const file = await indexPath();
    const v1 = new Database(file);
    v1.exec(SCHEMA_SQL);
    v1.prepare("INSERT INTO meta (name, value) VALUES ('schema_version', '1')").run();
    v1.prepare('INSERT INTO buckets (name, created_at_ms, region, owner_id) VALUES (?, ?, ?, ?)').run('old', 1, 'us-east-1', 'o');
    v1.close();
    const index = SqliteIndex.open(file);
    try {
      assert.equal(SCHEMA_VERSION, 15);
      assert.equal((await index.getBucket('old'))?.ownerId, 'o');
      const record = { name: 'tb', tableBucketId: 'id', ownerAccountId: '000000000000', createdAtMs: 2, warehouseBucket: 'id--table-s3' };
      assert.equal(await index.createTableBucket(record), 'created');
      assert.deepEqual(await index.getTableBucket('tb'), record);
      // Version 3: restores of archived versions (a restore of a version that does not exist records nothing).
      const restore = { tier: 'Standard' as const, requestedMs: 1, readyMs: 2, expiresMs: 3 };
      assert.equal(await index.putObjectRestore('old', 'key', 'no-such-data-id', restore, 0), false);
      assert.equal(await index.getObjectRestore('old', 'key', 'no-such-data-id'), undefined);
      // Version 4: the access log queue.
      assert.equal(await index.appendAccessLogLines([{ destination: 'd', eventTimeMs: 3, line: 'a line' }], 10), 1);
      assert.deepEqual(await index.readAccessLogQueue(10), [{ sequence: 1, destination: 'd', eventTimeMs: 3, line: 'a line' }]);
      // A full queue takes only what fits under its bound.
      const more = [1, 2, 3].map((n) => ({ destination: 'd', eventTimeMs: n, line: `line ${n}` }));
      assert.equal(await index.appendAccessLogLines(more, 2), 1);
      await index.removeAccessLogLines([1, 2]);
      assert.deepEqual(await index.readAccessLogQueue(10), []);
      // Version 5: users' email, and ACLs stored with the bucket's settings.
      assert.equal(await index.setUserEmail('nobody', 'a@b.c'), 'no-such-user');
      const acl = { ownerId: 'o', grants: [{ grantee: { type: 'CanonicalUser' as const, id: 'o' }, permission: 'FULL_CONTROL' as const }] };
      assert.equal(await index.writeBucketSetting('old', 'acl', acl), true);
      assert.deepEqual((await index.getBucketAccess('old'))?.acl, acl);
      // Version 6: the container registry.
      assert.equal(await index.createRegistryRepository('team/app', 3), 'created');
      assert.equal((await index.getRegistryRepository('team/app'))?.tagMutability, 'MUTABLE');
      // Version 7: namespaces carry the Iceberg catalog's properties, empty unless set.
      const namespace = { tableBucket: 'tb', namespace: 'ns', namespaceId: 'n', createdAtMs: 3, createdBy: 'a', ownerAccountId: '000000000000' };
      assert.equal(await index.createTableNamespace(namespace), 'created');
      assert.deepEqual((await index.getTableNamespace('tb', 'ns'))?.properties, {});
      assert.deepEqual(await index.updateTableNamespaceProperties('tb', 'ns', { owner: 'x' }, []), { before: {}, after: { owner: 'x' } });
      // Version 9: event notification targets.
      const target = { name: 'hook', kind: 'webhook' as const, settings: { url: 'http://127.0.0.1/' }, createdAtMs: 3, deadLetters: 0, delivered: 0, failedAttempts: 0 };
      assert.equal(await index.createEventTarget(target), 'created');
      assert.deepEqual(await index.listEventTargets(), [target]);
      // Version 10: restores' completion and expiry are recorded once (none is due in this index).
      assert.equal(await index.recordRestoreProgress(Date.now(), 10), 0);
      await checkTableMaintenanceAndSettings(index);
      // Version 13: the registry's lifecycle policies and resource tags.
      assert.equal(await index.setRegistryLifecycleText('team/app', 'policy', '{"rules":[]}'), 'set');
      assert.equal(await index.changeRegistryRepositoryTags('team/app', [{ Key: 'k', Value: 'v' }], [], 50), 'changed');
      assert.deepEqual(await index.getRegistryRepositorySettings('team/app'), { lifecyclePolicy: '{"rules":[]}', tags: [{ Key: 'k', Value: 'v' }] });
      // Versions 14 and 15: AWS Backup's recovery points (a chain of a bucket's points holds its current versions' rows).
      assert.deepEqual(await index.snapshotBucketForRecoveryPoint('rp-1', 'old'), { objects: 0, sizeBytes: 0, rowsWritten: 0 });
      assert.equal(await index.snapshotBucketForRecoveryPoint('rp-2', 'no-such-bucket'), undefined);
      assert.deepEqual(await index.listRecoveryPointObjects('rp-1', '', 10), []);
    } finally {
      await index.close();
    }
    assert.equal(storedVersion(file), '15');
  });

  it('upgrades a version 14 index: each recovery point becomes a one-point chain holding the same objects and parts', async () => {
    const file = await indexPath();
    await SqliteIndex.open(file).close();
    const v14 = new Database(file);
    v14.exec(`DROP TRIGGER backup_changed_on_insert; DROP TRIGGER backup_changed_on_update; DROP TRIGGER backup_changed_on_delete;
      DROP TABLE backup_chains; DROP TABLE backup_points; DROP TABLE backup_rows; DROP TABLE backup_row_parts; DROP TABLE backup_changed_keys;`);
    v14.exec(BACKUP_SCHEMA_SQL);
    const object = (id: string, key: string, size: number, parts: number) => v14.prepare(`INSERT INTO backup_objects (recovery_point_id, bucket, key, version_id, data_id,
      size_bytes, etag, last_modified_ms, storage_class, headers_json, user_metadata_json, placement, parts_count) VALUES (?, 'b', ?, ?, ?, ?, 'e', 1, 'STANDARD', '{}', '{}', x'01', ?)`)
      .run(id, key, `v-${key}`, `d-${key}`, size, parts);
    object('rp-a', 'k1', 10, 0);
    object('rp-a', 'k2', 20, 2);
    object('rp-b', 'k1', 10, 0);
    for (const part of [1, 2]) {
      v14.prepare(`INSERT INTO backup_parts (recovery_point_id, object_data_id, part_number, data_id, size_bytes, etag, last_modified_ms, placement)
        VALUES ('rp-a', 'd-k2', ?, ?, 10, 'e', 1, x'02')`).run(part, `p-${part}`);
    }
    v14.prepare("UPDATE meta SET value = '14' WHERE name = 'schema_version'").run();
    v14.close();
    const index = SqliteIndex.open(file);
    try {
      assert.deepEqual((await index.listRecoveryPointObjects('rp-a', '', 10)).map((found) => [found.key, found.sizeBytes, found.parts?.length]), [['k1', 10, undefined], ['k2', 20, 2]]);
      assert.deepEqual((await index.listRecoveryPointObjects('rp-b', '', 10)).map((found) => found.key), ['k1']);
      await index.deleteRecoveryPointObjects('rp-a');
      assert.deepEqual(await index.listRecoveryPointObjects('rp-a', '', 10), []);
      assert.deepEqual((await index.listRecoveryPointObjects('rp-b', '', 10)).map((found) => found.key), ['k1']);
    } finally {
      await index.close();
    }
    const after = new Database(file, { readonly: true });
    assert.equal(after.prepare('SELECT count(*) FROM backup_row_parts').pluck().get(), 0);
    assert.equal(after.prepare('SELECT count(*) FROM backup_rows').pluck().get(), 1);
    after.close();
    assert.equal(storedVersion(file), '15');
  });

  it('creates a new index at the current version, and refuses one newer than this code', async () => {
    const file = await indexPath();
    await SqliteIndex.open(file).close();
    assert.equal(storedVersion(file), String(SCHEMA_VERSION));
    const db = new Database(file);
    db.prepare("UPDATE meta SET value = ? WHERE name = 'schema_version'").run(String(SCHEMA_VERSION + 1));
    db.close();
    assert.throws(() => SqliteIndex.open(file), new RegExp(`has schema version ${SCHEMA_VERSION + 1}, newer than this Cairn \\(${SCHEMA_VERSION}\\)`));
  });
});
