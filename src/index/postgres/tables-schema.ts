// The PostgreSQL index's S3 Tables tables, one migration: the SQLite engine's s3_table_buckets,
// s3_table_namespaces (with their Iceberg properties), s3_tables, iceberg_idempotency,
// s3_table_maintenance and s3_table_settings (sqlite/tables.ts, tables-maintenance.ts,
// table-settings.ts; SQLite migrations 2, 3, 11 and 12) in their final shape. Names are text
// COLLATE "C" so that listing order is byte order, as in SQLite; times are bigint.

export const POSTGRES_TABLES_SCHEMA_SQL = `
CREATE TABLE s3_table_buckets (
  name text COLLATE "C" PRIMARY KEY, table_bucket_id text COLLATE "C" NOT NULL UNIQUE, owner_account_id text NOT NULL,
  created_at_ms bigint NOT NULL, warehouse_bucket text NOT NULL
);
CREATE TABLE s3_table_namespaces (
  table_bucket text COLLATE "C" NOT NULL, namespace text COLLATE "C" NOT NULL, namespace_id text NOT NULL, created_at_ms bigint NOT NULL,
  created_by text NOT NULL, owner_account_id text NOT NULL, properties text NOT NULL DEFAULT '{}', PRIMARY KEY (table_bucket, namespace)
);
CREATE TABLE s3_tables (
  table_bucket text COLLATE "C" NOT NULL, namespace text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL, table_id text COLLATE "C" NOT NULL,
  format text NOT NULL, version_token text NOT NULL, metadata_location text, warehouse_location text NOT NULL,
  created_at_ms bigint NOT NULL, created_by text NOT NULL, modified_at_ms bigint NOT NULL, modified_by text NOT NULL,
  owner_account_id text NOT NULL, PRIMARY KEY (table_bucket, namespace, name)
);
CREATE INDEX s3_tables_by_id ON s3_tables (table_bucket, table_id);
CREATE TABLE iceberg_idempotency (key text COLLATE "C" PRIMARY KEY, expires_at_ms bigint NOT NULL, answer text NOT NULL);
CREATE INDEX iceberg_idempotency_by_expiry ON iceberg_idempotency (expires_at_ms);
CREATE TABLE s3_table_maintenance (
  owner_id text COLLATE "C" NOT NULL, kind text COLLATE "C" NOT NULL, value text NOT NULL, PRIMARY KEY (owner_id, kind)
);
CREATE INDEX s3_table_maintenance_by_kind ON s3_table_maintenance (kind, owner_id);
CREATE TABLE s3_table_settings (
  owner_id text COLLATE "C" NOT NULL, kind text COLLATE "C" NOT NULL, value text NOT NULL, PRIMARY KEY (owner_id, kind)
);
`;
