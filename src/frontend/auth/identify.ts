// Who sent a request: the root identity (its key from the environment or credentials.json), a user
// (its key read from the index on every request, so a key disabled or deleted through any worker
// stops working on all of them at the next request: SQLite readers see each commit at once), or
// nobody (no credentials at all).
import type { IncomingMessage } from 'node:http';
import type { Identities, ResolvedUser } from '../../services/iam/identities.js';
import type { Principal } from '../context.js';
import { authenticate, claimedAccessKeyId, type Authentication, type Credentials } from './sigv4.js';

export interface RootIdentity extends Credentials {
  canonicalId: string;
  displayName: string;
}

/** What an anonymous request is authenticated as: no key, and a body nobody signed. */
const ANONYMOUS_AUTHENTICATION: Authentication = { accessKeyId: '', payload: { kind: 'unsigned' } };

export async function identify(
  req: IncomingMessage,
  rawUrl: string,
  virtualHostBucket: string | undefined,
  root: RootIdentity,
  identities: Identities,
): Promise<{ auth: Authentication; principal: Principal }> {
  const authorization = req.headers.authorization;
  const claimed = claimedAccessKeyId(authorization, rawUrl);
  let user: ResolvedUser | undefined;
  if (claimed !== undefined && claimed !== root.accessKeyId) user = await identities.resolveAccessKey(claimed);
  const lookup = (accessKeyId: string): Credentials | undefined => {
    if (accessKeyId === root.accessKeyId) return root;
    return user !== undefined && user.accessKeyId === accessKeyId ? user : undefined;
  };
  const auth = authenticate({ method: req.method ?? 'GET', rawUrl, rawHeaders: req.rawHeaders, virtualHostBucket }, lookup, Date.now());
  if (auth === null) return { auth: ANONYMOUS_AUTHENTICATION, principal: { kind: 'anonymous' } };
  if (auth.accessKeyId === root.accessKeyId) return { auth, principal: { kind: 'root', canonicalId: root.canonicalId, name: root.displayName } };
  // authenticate() only succeeds for a key the lookup knew: the user's.
  const { user: record, policy } = user!;
  return { auth, principal: { kind: 'user', canonicalId: record.canonicalId, name: record.name, accessKeyId: auth.accessKeyId, policy } };
}
