// Users and their access keys over the index: creating them (secrets sealed before they are stored,
// returned once), disabling and deleting keys, user policies, and the per-request credential lookup.
import { randomBytes } from 'node:crypto';
import type { AccessKeyRecord, AccessKeyStatus, Index, UserRecord } from '../../index/types.js';
import { ACCESS_KEYS_PER_USER_MAX, USER_POLICY_SIZE_CHARACTERS_MAX, USERS_MAX } from '../../limits.js';
import { parsedPolicy } from './policy-cache.js';
import { parsePolicy, type ParsedPolicy } from './policy.js';
import { PolicyError } from './policy-error.js';
import { generateAccessKeyId, generateSecretAccessKey, sealSecret, unsealSecret } from './secrets.js';

/** An email address's length (RFC 5321's path limit). */
const USER_EMAIL_LENGTH_MAX = 254;

export type IdentityErrorCode = 'NoSuchEntity' | 'EntityAlreadyExists' | 'DeleteConflict' | 'LimitExceeded' | 'InvalidInput' | 'MalformedPolicy';

/** A refused identity operation, with IAM's error code for it. */
export class IdentityError extends Error {
  constructor(readonly code: IdentityErrorCode, message: string) {
    super(message);
    this.name = 'IdentityError';
  }
}

/** A user's key as it is shown: never with its secret. */
export interface AccessKeySummary {
  accessKeyId: string;
  status: AccessKeyStatus;
  createdAtMs: number;
}

/** A new key: the one time its secret is shown. */
export interface NewAccessKey {
  user: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A user whose active key signed a request. */
export interface ResolvedUser {
  accessKeyId: string;
  secretAccessKey: string;
  user: UserRecord;
  /** The user's policy, parsed (cached by its text). */
  policy?: ParsedPolicy;
}

/** IAM's user name rule. */
const USER_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;
const ACCESS_KEY_ID_PATTERN = /^[A-Z0-9]{16,128}$/;
const CANONICAL_ID_BYTES = 32;
const UNSEALED_SECRETS_CACHED_MAX = 1024;
const DENY_EVERYTHING_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}';

export class Identities {
  private readonly unsealedSecrets = new Map<string, string>();

  constructor(private readonly index: Index, private readonly masterKey: Buffer, readonly accountId: string) {}

  userArn(name: string): string {
    return `arn:aws:iam::${this.accountId}:user/${name}`;
  }

  /** The key's user and secret when the key exists and is Active; undefined otherwise (one index read). */
  async resolveAccessKey(accessKeyId: string): Promise<ResolvedUser | undefined> {
    if (!ACCESS_KEY_ID_PATTERN.test(accessKeyId)) return undefined;
    const found = await this.index.getAccessKey(accessKeyId);
    if (found === undefined || found.key.status !== 'Active') return undefined;
    const secretAccessKey = this.unsealed(found.key.secretSealed, accessKeyId);
    return { accessKeyId, secretAccessKey, user: found.user, policy: this.userPolicy(found.user) };
  }

  /**
   * A user's parsed policy. One that no longer parses (the server was restarted with another
   * --account-id) denies the user everything until root sets a new one: failing closed.
   */
  private userPolicy(user: UserRecord): ParsedPolicy | undefined {
    if (user.policy === undefined) return undefined;
    try {
      return parsedPolicy(user.policy, { kind: 'user', accountId: this.accountId });
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      return parsedPolicy(DENY_EVERYTHING_POLICY, { kind: 'user', accountId: this.accountId });
    }
  }

  /**
   * The secret of a sealed text, remembered by that text (bounded). The key's row is still read on
   * every request, so disabling or deleting a key takes effect at once; only the decryption is saved.
   */
  private unsealed(sealed: string, accessKeyId: string): string {
    const cacheKey = `${accessKeyId}\n${sealed}`;
    const cached = this.unsealedSecrets.get(cacheKey);
    if (cached !== undefined) return cached;
    const secret = unsealSecret(this.masterKey, sealed, accessKeyId);
    if (this.unsealedSecrets.size >= UNSEALED_SECRETS_CACHED_MAX) this.unsealedSecrets.delete(this.unsealedSecrets.keys().next().value as string);
    this.unsealedSecrets.set(cacheKey, secret);
    return secret;
  }

  private newKey(userName: string): { record: AccessKeyRecord; secretAccessKey: string } {
    const accessKeyId = generateAccessKeyId();
    const secretAccessKey = generateSecretAccessKey();
    return {
      record: { accessKeyId, userName, secretSealed: sealSecret(this.masterKey, secretAccessKey, accessKeyId), status: 'Active', createdAtMs: Date.now() },
      secretAccessKey,
    };
  }

  /** Creates a user with its first access key. */
  async createUser(name: string): Promise<NewAccessKey> {
    if (!USER_NAME_PATTERN.test(name)) {
      throw new IdentityError('InvalidInput', 'A user name is 1 to 64 letters, digits and _+=,.@- characters.');
    }
    const user: UserRecord = { name, canonicalId: randomBytes(CANONICAL_ID_BYTES).toString('hex'), createdAtMs: Date.now() };
    const key = this.newKey(name);
    const outcome = await this.index.createUser(user, key.record, USERS_MAX);
    if (outcome === 'already-exists') throw new IdentityError('EntityAlreadyExists', `User with name ${name} already exists.`);
    if (outcome === 'too-many-users') throw new IdentityError('LimitExceeded', `Cannot exceed quota for UsersPerAccount: ${USERS_MAX}`);
    return { user: name, accessKeyId: key.record.accessKeyId, secretAccessKey: key.secretAccessKey };
  }

  async requireUser(name: string): Promise<UserRecord> {
    const user = USER_NAME_PATTERN.test(name) ? await this.index.getUser(name) : undefined;
    if (user === undefined) throw new IdentityError('NoSuchEntity', `The user with name ${name} cannot be found.`);
    return user;
  }

  listUsers(): Promise<UserRecord[]> {
    return this.index.listUsers();
  }

  async deleteUser(name: string): Promise<void> {
    const user = await this.requireUser(name);
    const outcome = await this.index.deleteUser(user.name);
    if (outcome === 'missing') throw new IdentityError('NoSuchEntity', `The user with name ${name} cannot be found.`);
    if (outcome === 'owns-buckets') throw new IdentityError('DeleteConflict', `Cannot delete user ${user.name}: it owns buckets; delete them first.`);
  }

  async createAccessKey(userName: string): Promise<NewAccessKey> {
    const user = await this.requireUser(userName);
    const key = this.newKey(user.name);
    const outcome = await this.index.createAccessKey(key.record, ACCESS_KEYS_PER_USER_MAX);
    if (outcome === 'no-such-user') throw new IdentityError('NoSuchEntity', `The user with name ${userName} cannot be found.`);
    if (outcome === 'too-many-keys') throw new IdentityError('LimitExceeded', `Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER_MAX}`);
    return { user: user.name, accessKeyId: key.record.accessKeyId, secretAccessKey: key.secretAccessKey };
  }

  async listAccessKeys(userName: string): Promise<AccessKeySummary[]> {
    const user = await this.requireUser(userName);
    return (await this.index.listAccessKeys(user.name)).map(({ accessKeyId, status, createdAtMs }) => ({ accessKeyId, status, createdAtMs }));
  }

  /** The key, when it exists (and, given a user name, belongs to that user). */
  private async requireKey(accessKeyId: string, userName?: string): Promise<AccessKeyRecord> {
    const found = ACCESS_KEY_ID_PATTERN.test(accessKeyId) ? await this.index.getAccessKey(accessKeyId) : undefined;
    if (found === undefined || (userName !== undefined && found.user.name.toLowerCase() !== userName.toLowerCase())) {
      throw new IdentityError('NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found.`);
    }
    return found.key;
  }

  async setAccessKeyStatus(accessKeyId: string, status: unknown, userName?: string): Promise<AccessKeySummary> {
    if (status !== 'Active' && status !== 'Inactive') throw new IdentityError('InvalidInput', 'Status must be Active or Inactive.');
    const key = await this.requireKey(accessKeyId, userName);
    if (!(await this.index.setAccessKeyStatus(accessKeyId, status))) {
      throw new IdentityError('NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found.`);
    }
    return { accessKeyId, status, createdAtMs: key.createdAtMs };
  }

  async deleteAccessKey(accessKeyId: string, userName?: string): Promise<void> {
    await this.requireKey(accessKeyId, userName);
    if (!(await this.index.deleteAccessKey(accessKeyId))) {
      throw new IdentityError('NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found.`);
    }
  }

  /** Checks and sets a user's policy (IAM's rules for an identity policy: no Principal). */
  async setUserPolicy(userName: string, text: string): Promise<void> {
    const user = await this.requireUser(userName);
    if (text.replace(/\s/g, '').length > USER_POLICY_SIZE_CHARACTERS_MAX) {
      throw new IdentityError('LimitExceeded', `Maximum policy size of ${USER_POLICY_SIZE_CHARACTERS_MAX} bytes exceeded for user ${user.name}`);
    }
    try {
      parsePolicy(text, { kind: 'user', accountId: this.accountId });
    } catch (error) {
      if (error instanceof PolicyError) throw new IdentityError('MalformedPolicy', error.message);
      throw error;
    }
    if (!(await this.index.setUserPolicy(user.name, text))) throw new IdentityError('NoSuchEntity', `The user with name ${userName} cannot be found.`);
  }

  /** Sets (undefined: removes) the email address ACL grants may name the user by; unique regardless of case. */
  async setUserEmail(userName: string, email: unknown): Promise<void> {
    if (email !== undefined && (typeof email !== 'string' || email.length > USER_EMAIL_LENGTH_MAX || !/^[^\s@,"]+@[^\s@,"]+$/.test(email))) {
      throw new IdentityError('InvalidInput', `"email" must be an email address of at most ${USER_EMAIL_LENGTH_MAX} characters.`);
    }
    const user = await this.requireUser(userName);
    const outcome = await this.index.setUserEmail(user.name, email);
    if (outcome === 'email-taken') throw new IdentityError('EntityAlreadyExists', `Another user has the email address ${String(email)}.`);
    if (outcome === 'no-such-user') throw new IdentityError('NoSuchEntity', `The user with name ${userName} cannot be found.`);
  }

  async getUserPolicy(userName: string): Promise<string> {
    const user = await this.requireUser(userName);
    if (user.policy === undefined) throw new IdentityError('NoSuchEntity', `The user with name ${user.name} has no policy.`);
    return user.policy;
  }

  async deleteUserPolicy(userName: string): Promise<void> {
    const user = await this.requireUser(userName);
    if (user.policy === undefined) throw new IdentityError('NoSuchEntity', `The user with name ${user.name} has no policy.`);
    await this.index.setUserPolicy(user.name, undefined);
  }
}
