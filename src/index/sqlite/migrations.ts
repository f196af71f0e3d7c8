// Schema versions of the SQLite index and the migrations between them. Version 1 is SCHEMA_SQL;
// each later version is the SQL that brings the version before it up to it, run in one
// transaction with the version's record in `meta`. A new index runs every migration in turn; an
// index newer than this Cairn is refused (its tables may mean things this code does not know).
import type Database from 'better-sqlite3';
import { SCHEMA_SQL } from './schema.js';
import { TABLES_SCHEMA_SQL } from './tables.js';
import { EVENTS_SCHEMA_SQL } from './events.js';

/** The SQL that brings version N-1 up to N, by N (from 2). */
const MIGRATIONS: ReadonlyMap<number, string> = new Map([
  // 2: the S3 Tables catalog (table buckets, namespaces, tables).
  [2, TABLES_SCHEMA_SQL],
  // 3: event notifications (targets, their queues, listeners).
  [3, EVENTS_SCHEMA_SQL],
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
