// Schema versions of the SQLite index and the migrations between them. Version 1 is SCHEMA_SQL;
// each later version is the SQL that brings the version before it up to it, run in one
// transaction with the version's record in `meta`. A new index runs every migration in turn; an
// index newer than this Cairn is refused (its tables may mean things this code does not know).
import type Database from 'better-sqlite3';
import { ACL_SCHEMA_SQL, SCHEMA_SQL } from './schema.js';
import { RESTORE_EVENTS_SCHEMA_SQL, RESTORES_SCHEMA_SQL } from './restores.js';
import { REGISTRY_SCHEMA_SQL } from './registry-schema.js';
import { NAMESPACE_PROPERTIES_SQL, TABLES_SCHEMA_SQL } from './tables.js';
import { ACCESS_LOG_SCHEMA_SQL } from './access-log.js';
import { EVENTS_SCHEMA_SQL } from './events.js';
import { TABLE_MAINTENANCE_SCHEMA_SQL } from './tables-maintenance.js';
import { TABLE_SETTINGS_SCHEMA_SQL } from './table-settings.js';
import { REGISTRY_LIFECYCLE_SCHEMA_SQL } from './registry-lifecycle.js';
import { BACKUP_CHAIN_SCHEMA_SQL, BACKUP_SCHEMA_SQL } from './backup-schema.js';
import { RETAINED_VERSIONS_SCHEMA_SQL } from './retained-versions.js';

/** The SQL that brings version N-1 up to N, by N (from 2). */
const MIGRATIONS: ReadonlyMap<number, string> = new Map([
  // 2: the S3 Tables catalog (table buckets, namespaces, tables).
  [2, TABLES_SCHEMA_SQL],
  // 3: restores of archived versions (GLACIER, DEEP_ARCHIVE).
  [3, RESTORES_SCHEMA_SQL],
  // 4: server access logging's queue of lines to deliver.
  [4, ACCESS_LOG_SCHEMA_SQL],
  // 5: ACLs (each version's and each upload's, NULL: the bucket owner's FULL_CONTROL only) and users' optional email.
  [5, ACL_SCHEMA_SQL],
  // 6: the container registry (repositories, blobs, manifests, tags, references, upload sessions).
  [6, REGISTRY_SCHEMA_SQL],
  // 7: the Iceberg REST catalog's namespace properties.
  [7, NAMESPACE_PROPERTIES_SQL],
  // 8: the S3 Metadata journal's encryption_status (SSE-S3, SSE-C, SSE-KMS) and kms_key_arn of each change.
  [8, 'ALTER TABLE journal ADD COLUMN encryption_status TEXT; ALTER TABLE journal ADD COLUMN kms_key_arn TEXT;'],
  // 9: event notifications (targets, their queues, listeners).
  [9, EVENTS_SCHEMA_SQL],
  // 10: restores in the journal and in events (whether each restore's completion and expiry were recorded).
  [10, RESTORE_EVENTS_SCHEMA_SQL],
  // 11: S3 Tables maintenance (configurations, job statuses, noncurrent-file marks).
  [11, TABLE_MAINTENANCE_SCHEMA_SQL],
  // 12: S3 Tables settings (resource policies, encryption, storage class, tags, metrics) of table buckets and tables.
  [12, TABLE_SETTINGS_SCHEMA_SQL],
  // 13: the registry's lifecycle policies (and previews), repository resource tags, each manifest's last pull.
  [13, REGISTRY_LIFECYCLE_SCHEMA_SQL],
  // 14: AWS Backup's recovery points (the object versions and parts each holds, placements included).
  [14, BACKUP_SCHEMA_SQL],
  // 15: recovery points as chains of rows valid over ranges of point sequences (each point writes only the changes since the last one),
  // and the versions continuous backups keep after their permanent deletion.
  [15, BACKUP_CHAIN_SCHEMA_SQL + RETAINED_VERSIONS_SCHEMA_SQL],
]);

export const SCHEMA_VERSION = Math.max(1, ...MIGRATIONS.keys());

/** Creates or upgrades the schema of an open index; throws for an index newer than this code. */
export function prepareSchema(db: Database.Database, path: string): void {
  db.exec(SCHEMA_SQL);
  const stored = db.prepare("SELECT value FROM meta WHERE name = 'schema_version'").get() as { value: string } | undefined;
  const storedVersion = stored === undefined ? 1 : Number(stored.value);
  if (storedVersion > SCHEMA_VERSION) {
    throw new Error(`index ${path} has schema version ${stored?.value}, newer than this Cairn (${SCHEMA_VERSION}); upgrade Cairn`);
  }
  const setVersion = db.prepare("INSERT INTO meta (name, value) VALUES ('schema_version', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value");
  db.transaction(() => {
    for (let version = storedVersion + 1; version <= SCHEMA_VERSION; version++) {
      const sql = MIGRATIONS.get(version);
      if (sql === undefined) throw new Error(`index schema: no migration to version ${version}`);
      db.exec(sql);
    }
    setVersion.run(String(SCHEMA_VERSION));
  })();
}
