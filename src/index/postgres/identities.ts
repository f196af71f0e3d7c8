// Users, access keys and the per-request authorization reads of the PostgreSQL index: the twin of
// sqlite/identities.ts (same rows, same mappers). User names and emails are unique regardless of
// ASCII case (lower() under the C collation folds ASCII only, like SQLite's NOCASE).
import {
  ACCESS_SETTING_COLUMNS, REQUEST_SETTING_COLUMNS, accessFromRow, keyFromRow, requestSettingsFromRow, userFromRow, type AccessKeyRow, type AccessRow, type UserRow,
} from '../sqlite/identities.js';
import { bucketFromRow, type BucketRow } from '../sqlite/schema.js';
import type {
  AccessKeyRecord, AccessKeyStatus, BucketAccessRecord, BucketWithAccess, CreateAccessKeyOutcome, CreateUserOutcome, DeleteUserOutcome,
  IdentityReads, IdentityWrites, SetUserEmailOutcome, UserRecord,
} from '../types.js';
import type { Sql } from './connection.js';
import type { PostgresWriteQueue } from './group-commit.js';

const USER_BY_NAME = 'lower(name) = lower($1)';

export class PostgresIdentities implements IdentityReads, Omit<IdentityWrites, never> {
  constructor(private readonly pool: Sql, private readonly writes: PostgresWriteQueue) {}

  private async one<Row extends object>(text: string, values: unknown[]): Promise<Row | undefined> {
    return (await this.pool.query<Row>(text, values)).rows[0];
  }

  async getBucketAccess(bucket: string): Promise<BucketAccessRecord | undefined> {
    const row = await this.one<AccessRow>(`SELECT b.owner_id, ${ACCESS_SETTING_COLUMNS} FROM buckets b WHERE b.name = $1`, [bucket]);
    return row === undefined ? undefined : accessFromRow(bucket, row);
  }

  async getBucketWithAccess(bucket: string): Promise<BucketWithAccess | undefined> {
    const row = await this.one<BucketRow & AccessRow>(`SELECT b.*, ${ACCESS_SETTING_COLUMNS}, ${REQUEST_SETTING_COLUMNS} FROM buckets b WHERE b.name = $1`, [bucket]);
    return row === undefined ? undefined : { bucket: bucketFromRow(row), access: accessFromRow(bucket, row), settingsJson: requestSettingsFromRow(row) };
  }

  createUser(user: UserRecord, firstKey: AccessKeyRecord | undefined, usersMax: number): Promise<CreateUserOutcome> {
    return this.writes.submit(async (sql): Promise<CreateUserOutcome> => {
      const { rows: [counted] } = await sql.query<{ count: number }>('SELECT COUNT(*)::integer AS count FROM users');
      if (counted!.count >= usersMax) return 'too-many-users';
      if ((await sql.query(`SELECT 1 FROM users WHERE ${USER_BY_NAME}`, [user.name])).rows.length > 0) return 'already-exists';
      await sql.query('INSERT INTO users (name, canonical_id, created_at_ms, policy_json) VALUES ($1, $2, $3, $4)',
        [user.name, user.canonicalId, user.createdAtMs, user.policy ?? null]);
      if (firstKey !== undefined) await this.insertKey(sql, firstKey);
      return 'created';
    });
  }

  private async userRow(sql: Sql, where: string, value: string): Promise<UserRecord | undefined> {
    const row = (await sql.query<UserRow>(`SELECT * FROM users WHERE ${where}`, [value])).rows[0];
    return row === undefined ? undefined : userFromRow(row);
  }

  getUser(name: string): Promise<UserRecord | undefined> { return this.userRow(this.pool, USER_BY_NAME, name); }
  getUserByCanonicalId(canonicalId: string): Promise<UserRecord | undefined> { return this.userRow(this.pool, 'canonical_id = $1', canonicalId); }
  getUserByEmail(email: string): Promise<UserRecord | undefined> { return this.userRow(this.pool, 'lower(email) = lower($1)', email); }

  setUserEmail(name: string, email: string | undefined): Promise<SetUserEmailOutcome> {
    return this.writes.submit(async (sql): Promise<SetUserEmailOutcome> => {
      const holder = email === undefined ? undefined : await this.userRow(sql, 'lower(email) = lower($1)', email);
      if (holder !== undefined && holder.name.toLowerCase() !== name.toLowerCase()) return 'email-taken';
      return (await sql.query(`UPDATE users SET email = $2 WHERE ${USER_BY_NAME}`, [name, email ?? null])).rowCount === 1 ? 'set' : 'no-such-user';
    });
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.pool.query<UserRow>('SELECT * FROM users ORDER BY lower(name), name')).rows.map(userFromRow);
  }

  deleteUser(name: string): Promise<DeleteUserOutcome> {
    return this.writes.submit(async (sql): Promise<DeleteUserOutcome> => {
      const user = await this.userRow(sql, USER_BY_NAME, name);
      if (user === undefined) return 'missing';
      if ((await sql.query('SELECT 1 FROM buckets WHERE owner_id = $1 LIMIT 1', [user.canonicalId])).rows.length > 0) return 'owns-buckets';
      await sql.query('DELETE FROM access_keys WHERE lower(user_name) = lower($1)', [user.name]);
      await sql.query('DELETE FROM users WHERE name = $1', [user.name]);
      return 'deleted';
    });
  }

  setUserPolicy(name: string, policy: string | undefined): Promise<boolean> {
    return this.writes.submit(async (sql) => (await sql.query(`UPDATE users SET policy_json = $2 WHERE ${USER_BY_NAME}`, [name, policy ?? null])).rowCount === 1);
  }

  createAccessKey(key: AccessKeyRecord, keysPerUserMax: number): Promise<CreateAccessKeyOutcome> {
    return this.writes.submit(async (sql): Promise<CreateAccessKeyOutcome> => {
      const user = await this.userRow(sql, USER_BY_NAME, key.userName);
      if (user === undefined) return 'no-such-user';
      const { rows: [counted] } = await sql.query<{ count: number }>('SELECT COUNT(*)::integer AS count FROM access_keys WHERE lower(user_name) = lower($1)', [user.name]);
      if (counted!.count >= keysPerUserMax) return 'too-many-keys';
      await this.insertKey(sql, { ...key, userName: user.name });
      return 'created';
    });
  }

  private async insertKey(sql: Sql, key: AccessKeyRecord): Promise<void> {
    await sql.query('INSERT INTO access_keys (access_key_id, user_name, secret_sealed, status, created_at_ms) VALUES ($1, $2, $3, $4, $5)',
      [key.accessKeyId, key.userName, key.secretSealed, key.status, key.createdAtMs]);
  }

  async getAccessKey(accessKeyId: string): Promise<{ key: AccessKeyRecord; user: UserRecord } | undefined> {
    const row = await this.one<AccessKeyRow & UserRow & { user_created_at_ms: number }>(`SELECT k.access_key_id, k.user_name, k.secret_sealed, k.status,
        k.created_at_ms, u.name, u.canonical_id, u.created_at_ms AS user_created_at_ms, u.policy_json
      FROM access_keys k JOIN users u ON lower(u.name) = lower(k.user_name) WHERE k.access_key_id = $1`, [accessKeyId]);
    if (row === undefined) return undefined;
    return {
      key: keyFromRow(row),
      user: userFromRow({ name: row.name, canonical_id: row.canonical_id, created_at_ms: row.user_created_at_ms, policy_json: row.policy_json }),
    };
  }

  async listAccessKeys(userName: string): Promise<AccessKeyRecord[]> {
    return (await this.pool.query<AccessKeyRow>('SELECT * FROM access_keys WHERE lower(user_name) = lower($1) ORDER BY created_at_ms, access_key_id', [userName])).rows.map(keyFromRow);
  }

  setAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<boolean> {
    return this.writes.submit(async (sql) => (await sql.query('UPDATE access_keys SET status = $1 WHERE access_key_id = $2', [status, accessKeyId])).rowCount === 1);
  }

  deleteAccessKey(accessKeyId: string): Promise<boolean> {
    return this.writes.submit(async (sql) => (await sql.query('DELETE FROM access_keys WHERE access_key_id = $1', [accessKeyId])).rowCount === 1);
  }
}
