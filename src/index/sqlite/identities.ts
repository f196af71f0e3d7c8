// Users, access keys and the per-request authorization reads of the SQLite index. Writes run in the
// index's group commits; reads are single prepared statements (one per request on the hot path).
import type Database from 'better-sqlite3';
import { decodeBucketSetting, REQUEST_SETTING_KINDS, type RequestSettingsJson } from '../bucket-settings.js';
import type { GroupCommitQueue } from '../group-commit.js';
import { bucketFromRow, type BucketRow } from './schema.js';
import type {
  AccessKeyRecord,
  AccessKeyStatus,
  BucketAccessRecord,
  BucketWithAccess,
  CreateAccessKeyOutcome,
  CreateUserOutcome,
  DeleteUserOutcome,
  SetUserEmailOutcome,
  UserRecord,
} from '../types.js';

/** A bucket's policy and public access block, as columns of a query over `buckets b`. */
export const ACCESS_SETTING_COLUMNS = `(SELECT value_json FROM bucket_settings WHERE bucket = b.name AND name = 'policy') AS policy_json,
  (SELECT value_json FROM bucket_settings WHERE bucket = b.name AND name = 'public-access-block') AS public_access_block_json,
  (SELECT value_json FROM bucket_settings WHERE bucket = b.name AND name = 'ownership-controls') AS ownership_controls_json,
  (SELECT value_json FROM bucket_settings WHERE bucket = b.name AND name = 'acl') AS acl_json`;

/** The request settings (REQUEST_SETTING_KINDS), as columns `setting_<kind>` of a query over `buckets b`. */
export const REQUEST_SETTING_COLUMNS = REQUEST_SETTING_KINDS
  .map((kind) => `(SELECT value_json FROM bucket_settings WHERE bucket = b.name AND name = '${kind}') AS "setting_${kind}"`).join(',\n  ');

/** A row's request-setting columns: the JSON text of each one set. */
export function requestSettingsFromRow(row: object): RequestSettingsJson {
  const columns = row as Record<string, unknown>;
  const settings: RequestSettingsJson = {};
  for (const kind of REQUEST_SETTING_KINDS) {
    const json = columns[`setting_${kind}`];
    if (typeof json === 'string') settings[kind] = json;
  }
  return settings;
}

export interface AccessRow {
  owner_id: string;
  policy_json: string | null;
  public_access_block_json: string | null;
  ownership_controls_json: string | null;
  acl_json: string | null;
}

export function accessFromRow(bucket: string, row: AccessRow): BucketAccessRecord {
  return {
    ownerId: row.owner_id,
    policy: row.policy_json === null ? undefined : decodeBucketSetting(bucket, 'policy', row.policy_json),
    publicAccessBlock: row.public_access_block_json === null ? undefined : decodeBucketSetting(bucket, 'public-access-block', row.public_access_block_json),
    ownershipControls: row.ownership_controls_json === null ? undefined : decodeBucketSetting(bucket, 'ownership-controls', row.ownership_controls_json),
    acl: row.acl_json === null ? undefined : decodeBucketSetting(bucket, 'acl', row.acl_json),
  };
}

export interface UserRow {
  name: string;
  canonical_id: string;
  created_at_ms: number;
  policy_json: string | null;
  email?: string | null;
}

export interface AccessKeyRow {
  access_key_id: string;
  user_name: string;
  secret_sealed: string;
  status: string;
  created_at_ms: number;
}

export function userFromRow(row: UserRow): UserRecord {
  return { name: row.name, canonicalId: row.canonical_id, createdAtMs: row.created_at_ms, policy: row.policy_json ?? undefined, email: row.email ?? undefined };
}

export function keyFromRow(row: AccessKeyRow): AccessKeyRecord {
  return {
    accessKeyId: row.access_key_id, userName: row.user_name, secretSealed: row.secret_sealed,
    status: row.status as AccessKeyStatus, createdAtMs: row.created_at_ms,
  };
}

function prepareIdentityStatements(db: Database.Database) {
  const keyColumns = 'k.access_key_id, k.user_name, k.secret_sealed, k.status, k.created_at_ms';
  return {
    insertUser: db.prepare('INSERT INTO users (name, canonical_id, created_at_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    countUsers: db.prepare('SELECT COUNT(*) AS count FROM users'),
    getUser: db.prepare('SELECT * FROM users WHERE name = ?'),
    getUserByCanonicalId: db.prepare('SELECT * FROM users WHERE canonical_id = ?'),
    getUserByEmail: db.prepare('SELECT * FROM users WHERE email = ? COLLATE NOCASE'),
    setUserEmail: db.prepare('UPDATE users SET email = ? WHERE name = ?'),
    listUsers: db.prepare('SELECT * FROM users ORDER BY name'),
    deleteUser: db.prepare('DELETE FROM users WHERE name = ?'),
    anyBucketOwnedBy: db.prepare('SELECT 1 FROM buckets WHERE owner_id = ? LIMIT 1'),
    setUserPolicy: db.prepare('UPDATE users SET policy_json = ? WHERE name = ?'),
    insertKey: db.prepare('INSERT INTO access_keys (access_key_id, user_name, secret_sealed, status, created_at_ms) VALUES (?, ?, ?, ?, ?)'),
    countUserKeys: db.prepare('SELECT COUNT(*) AS count FROM access_keys WHERE user_name = ?'),
    listUserKeys: db.prepare('SELECT * FROM access_keys k WHERE user_name = ? ORDER BY created_at_ms, access_key_id'),
    deleteUserKeys: db.prepare('DELETE FROM access_keys WHERE user_name = ?'),
    setKeyStatus: db.prepare('UPDATE access_keys SET status = ? WHERE access_key_id = ?'),
    deleteKey: db.prepare('DELETE FROM access_keys WHERE access_key_id = ?'),
    // The credential lookup of every request signed by a user's key: the key and its user, one read.
    getKeyWithUser: db.prepare(`SELECT ${keyColumns}, u.name, u.canonical_id, u.created_at_ms AS user_created_at_ms, u.policy_json
      FROM access_keys k JOIN users u ON u.name = k.user_name WHERE k.access_key_id = ?`),
    // The authorization read of every request by a user or anonymous: owner, policy and public access block.
    getBucketAccess: db.prepare(`SELECT b.owner_id, ${ACCESS_SETTING_COLUMNS} FROM buckets b WHERE b.name = ?`),
    // The S3 surface's one read of a request's bucket: the whole row with the same access settings
    // and the request settings (one statement where there were up to five).
    getBucketWithAccess: db.prepare(`SELECT b.*, ${ACCESS_SETTING_COLUMNS}, ${REQUEST_SETTING_COLUMNS} FROM buckets b WHERE b.name = ?`),
  };
}

/** The engine's identity methods, each wholly this part's (sqlite/delegate.ts). */
export const IDENTITY_TABLE_METHODS = [
  'getBucketAccess', 'getBucketWithAccess', 'createUser', 'getUser', 'getUserByCanonicalId', 'getUserByEmail', 'setUserEmail', 'listUsers',
  'deleteUser', 'setUserPolicy', 'createAccessKey', 'getAccessKey', 'listAccessKeys', 'setAccessKeyStatus', 'deleteAccessKey',
] as const satisfies ReadonlyArray<keyof IdentityTables>;
export type IdentityTableMethod = (typeof IDENTITY_TABLE_METHODS)[number];

export class IdentityTables {
  private readonly statements: ReturnType<typeof prepareIdentityStatements>;

  constructor(db: Database.Database, private readonly writes: GroupCommitQueue) {
    this.statements = prepareIdentityStatements(db);
  }

  getBucketAccess(bucket: string): BucketAccessRecord | undefined {
    const row = this.statements.getBucketAccess.get(bucket) as AccessRow | undefined;
    return row === undefined ? undefined : accessFromRow(bucket, row);
  }

  getBucketWithAccess(bucket: string): BucketWithAccess | undefined {
    const row = this.statements.getBucketWithAccess.get(bucket) as (BucketRow & AccessRow) | undefined;
    return row === undefined ? undefined : { bucket: bucketFromRow(row), access: accessFromRow(bucket, row), settingsJson: requestSettingsFromRow(row) };
  }

  createUser(user: UserRecord, firstKey: AccessKeyRecord | undefined, usersMax: number): Promise<CreateUserOutcome> {
    return this.writes.submit((): CreateUserOutcome => {
      if ((this.statements.countUsers.get() as { count: number }).count >= usersMax) return 'too-many-users';
      if (this.statements.insertUser.run(user.name, user.canonicalId, user.createdAtMs).changes === 0) return 'already-exists';
      if (user.policy !== undefined) this.statements.setUserPolicy.run(user.policy, user.name);
      if (firstKey !== undefined) this.insertKey(firstKey);
      return 'created';
    });
  }

  getUser(name: string): UserRecord | undefined {
    const row = this.statements.getUser.get(name) as UserRow | undefined;
    return row === undefined ? undefined : userFromRow(row);
  }

  getUserByCanonicalId(canonicalId: string): UserRecord | undefined {
    const row = this.statements.getUserByCanonicalId.get(canonicalId) as UserRow | undefined;
    return row === undefined ? undefined : userFromRow(row);
  }

  getUserByEmail(email: string): UserRecord | undefined {
    const row = this.statements.getUserByEmail.get(email) as UserRow | undefined;
    return row === undefined ? undefined : userFromRow(row);
  }

  setUserEmail(name: string, email: string | undefined): Promise<SetUserEmailOutcome> {
    return this.writes.submit((): SetUserEmailOutcome => {
      const holder = email === undefined ? undefined : this.statements.getUserByEmail.get(email) as UserRow | undefined;
      if (holder !== undefined && holder.name.toLowerCase() !== name.toLowerCase()) return 'email-taken';
      return this.statements.setUserEmail.run(email ?? null, name).changes === 1 ? 'set' : 'no-such-user';
    });
  }

  listUsers(): UserRecord[] {
    return (this.statements.listUsers.all() as UserRow[]).map(userFromRow);
  }

  deleteUser(name: string): Promise<DeleteUserOutcome> {
    return this.writes.submit((): DeleteUserOutcome => {
      const row = this.statements.getUser.get(name) as UserRow | undefined;
      if (row === undefined) return 'missing';
      if (this.statements.anyBucketOwnedBy.get(row.canonical_id) !== undefined) return 'owns-buckets';
      this.statements.deleteUserKeys.run(row.name);
      this.statements.deleteUser.run(row.name);
      return 'deleted';
    });
  }

  setUserPolicy(name: string, policy: string | undefined): Promise<boolean> {
    return this.writes.submit(() => this.statements.setUserPolicy.run(policy ?? null, name).changes === 1);
  }

  createAccessKey(key: AccessKeyRecord, keysPerUserMax: number): Promise<CreateAccessKeyOutcome> {
    return this.writes.submit((): CreateAccessKeyOutcome => {
      const user = this.statements.getUser.get(key.userName) as UserRow | undefined;
      if (user === undefined) return 'no-such-user';
      if ((this.statements.countUserKeys.get(user.name) as { count: number }).count >= keysPerUserMax) return 'too-many-keys';
      this.insertKey({ ...key, userName: user.name });
      return 'created';
    });
  }

  private insertKey(key: AccessKeyRecord): void {
    this.statements.insertKey.run(key.accessKeyId, key.userName, key.secretSealed, key.status, key.createdAtMs);
  }

  getAccessKey(accessKeyId: string): { key: AccessKeyRecord; user: UserRecord } | undefined {
    const row = this.statements.getKeyWithUser.get(accessKeyId) as (AccessKeyRow & UserRow & { user_created_at_ms: number }) | undefined;
    if (row === undefined) return undefined;
    return {
      key: keyFromRow(row),
      user: userFromRow({ name: row.name, canonical_id: row.canonical_id, created_at_ms: row.user_created_at_ms, policy_json: row.policy_json }),
    };
  }

  listAccessKeys(userName: string): AccessKeyRecord[] {
    return (this.statements.listUserKeys.all(userName) as AccessKeyRow[]).map(keyFromRow);
  }

  setAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<boolean> {
    return this.writes.submit(() => this.statements.setKeyStatus.run(status, accessKeyId).changes === 1);
  }

  deleteAccessKey(accessKeyId: string): Promise<boolean> {
    return this.writes.submit(() => this.statements.deleteKey.run(accessKeyId).changes === 1);
  }
}
