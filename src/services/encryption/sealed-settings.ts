// Secrets in stored settings (event and replication targets: webhook secrets, bearer tokens, secret
// access keys, passwords in URLs), sealed with the master keyring before they reach the index and
// opened only where they are used: the index, its backups and `cairn admin sql` never hold them in
// plaintext. A sealed value is "sealed:<master key id>:<base64 nonce‖ciphertext‖tag>", bound (AES-GCM
// associated data) to the setting's owner and name, so it cannot be moved to another target.
import type { MasterKeyring } from './master-keys.js';

const SEALED_PREFIX = 'sealed:';

function context(owner: string, name: string): string {
  return `cairn/settings/${owner}/${name}`;
}

/** Whether a setting is a secret: named as one, or a URL with a password. */
function isSecret(name: string, value: string, secretNames: ReadonlySet<string>): boolean {
  if (secretNames.has(name)) return true;
  if (name !== 'url') return false;
  try {
    return new URL(value).password !== '';
  } catch {
    return false;
  }
}

export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

/** The settings with every secret sealed (as they are stored). */
export function sealSettings(keys: MasterKeyring, owner: string, settings: Record<string, string>, secretNames: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(settings).map(([name, value]) => {
    if (isSealed(value) || !isSecret(name, value, secretNames)) return [name, value];
    const wrapped = keys.wrap(Buffer.from(value, 'utf8'), context(owner, name));
    return [name, `${SEALED_PREFIX}${wrapped.masterKeyId}:${wrapped.sealedBase64}`];
  }));
}

/** The settings with every sealed value opened (for the one that uses them). */
export function openSettings(keys: MasterKeyring | undefined, owner: string, settings: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(settings).map(([name, value]) => {
    if (!isSealed(value)) return [name, value];
    if (keys === undefined) throw new Error(`the setting ${name} of ${owner} is sealed, and this process has no master keyring`);
    const rest = value.slice(SEALED_PREFIX.length);
    const separator = rest.indexOf(':');
    const opened = keys.unwrap({ masterKeyId: rest.slice(0, separator), sealedBase64: rest.slice(separator + 1) }, context(owner, name));
    return [name, opened.toString('utf8')];
  }));
}
