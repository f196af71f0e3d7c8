// Who sent a request: the root identity (its key from the environment or credentials.json), a user
// (its key read from the index on every request, so a key disabled or deleted through any worker
// stops working on all of them at the next request: SQLite readers see each commit at once), or
// a session of temporary credentials (X-Amz-Security-Token: services/iam/session-credentials.ts),
// or nobody (no credentials at all).
import type { IncomingMessage } from 'node:http';
import type { Identities, ResolvedUser } from '../../services/iam/identities.js';
import { sessionTokenHasExpired, verifySessionToken, type VerifiedSession } from '../../services/iam/session-credentials.js';
import type { Principal } from '../context.js';
import { S3Error } from '../errors.js';
import { authenticate, claimedAccessKeyId, type Authentication, type CredentialLookup, type Credentials } from './sigv4.js';

export interface RootIdentity extends Credentials {
  canonicalId: string;
  displayName: string;
}

/** What an anonymous request is authenticated as: no key, and a body nobody signed. */
export const ANONYMOUS_AUTHENTICATION: Authentication = { accessKeyId: '', payload: { kind: 'unsigned' } };

/** The synchronous lookup signature checks need, for the key a request claims, and who a verified key belongs to. */
export interface ClaimedKey {
  lookup: CredentialLookup;
  /** The principal of a key the lookup knew (after its signature verified); anonymous for none. */
  principalOf(accessKeyId: string | undefined): Principal;
}

/** Fetches the claimed key (one index read unless it is root's) so that signatures can be checked synchronously. */
export async function resolveClaimedKey(
  claimed: string | undefined, root: RootIdentity, identities: Identities, acceptAnySignature = false,
): Promise<ClaimedKey> {
  let user: ResolvedUser | undefined;
  if (claimed !== undefined && claimed !== root.accessKeyId) user = await identities.resolveAccessKey(claimed);
  const isUsers = (accessKeyId: string): boolean => user !== undefined && user.accessKeyId === accessKeyId;
  // Under the acceptAnySignature test switch a key nobody owns acts as root, as an emulator's would.
  const actsAsRoot = (accessKeyId: string): boolean => accessKeyId === root.accessKeyId || (acceptAnySignature && !isUsers(accessKeyId));
  return {
    lookup: (accessKeyId) => {
      if (actsAsRoot(accessKeyId)) return root;
      return isUsers(accessKeyId) ? user : undefined;
    },
    principalOf: (accessKeyId) => {
      if (accessKeyId === undefined) return { kind: 'anonymous' };
      if (actsAsRoot(accessKeyId)) return { kind: 'root', canonicalId: root.canonicalId, name: root.displayName };
      // A signature verifies only for a key the lookup knew: the user's.
      const { user: record, policy } = user!;
      return { kind: 'user', canonicalId: record.canonicalId, name: record.name, accessKeyId, policy };
    },
  };
}

/** The session token a request carries (header, or query for a presigned URL). */
function sessionTokenOf(req: IncomingMessage, rawUrl: string): string | undefined {
  const header = req.headers['x-amz-security-token'];
  if (typeof header === 'string') return header;
  const query = rawUrl.indexOf('?');
  if (query < 0) return undefined;
  return new URLSearchParams(rawUrl.slice(query + 1)).get('X-Amz-Security-Token') ?? undefined;
}

/** A session's key: known to the signature check only when the token verifies and names this very key. */
function sessionKey(session: VerifiedSession | undefined, claimed: string | undefined): ClaimedKey {
  const known = session !== undefined && session.accessKeyId === claimed ? session : undefined;
  return {
    lookup: (accessKeyId) => (known !== undefined && accessKeyId === known.accessKeyId ? known : undefined),
    principalOf: (accessKeyId) => (known === undefined || accessKeyId === undefined
      ? { kind: 'anonymous' }
      : { kind: 'user', canonicalId: known.canonicalId, name: `session/${known.accessKeyId}`, accessKeyId, policy: known.policy }),
  };
}

export async function identify(
  req: IncomingMessage,
  rawUrl: string,
  virtualHostBucket: string | undefined,
  root: RootIdentity,
  identities: Identities,
  options: { expectedRegion?: string; signingService?: string; bodySha256Hex?: string; acceptAnySignature?: boolean } = {},
): Promise<{ auth: Authentication; principal: Principal }> {
  const claimedId = claimedAccessKeyId(req.headers.authorization, rawUrl);
  const sessionToken = sessionTokenOf(req, rawUrl);
  const nowMs = Date.now();
  // A session token of ours that ran out is told as such (S3's ExpiredToken), not as an unknown key.
  if (sessionToken !== undefined && sessionTokenHasExpired(root.secretAccessKey, sessionToken, nowMs)) throw new S3Error('ExpiredToken');
  const claimed = sessionToken === undefined
    ? await resolveClaimedKey(claimedId, root, identities, options.acceptAnySignature)
    : sessionKey(verifySessionToken(root.secretAccessKey, sessionToken, nowMs), claimedId);
  const auth = authenticate(
    {
      method: req.method ?? 'GET', rawUrl, rawHeaders: req.rawHeaders, virtualHostBucket,
      expectedRegion: options.expectedRegion, signingService: options.signingService, bodySha256Hex: options.bodySha256Hex, acceptAnySignature: options.acceptAnySignature,
    },
    claimed.lookup,
    Date.now(),
  );
  if (auth === null) return { auth: ANONYMOUS_AUTHENTICATION, principal: { kind: 'anonymous' } };
  return { auth, principal: claimed.principalOf(auth.accessKeyId) };
}
