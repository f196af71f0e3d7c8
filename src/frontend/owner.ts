// The <Owner> of buckets and objects in responses: the bucket's owner (objects belong to their
// bucket's owner under BucketOwnerEnforced), by canonical id, with the user's name as DisplayName.
import type { RequestContext } from './context.js';
import { lookupRequestBucket } from './request/bucket.js';
import { node, type XmlNode } from './xml.js';

const DISPLAY_NAMES_CACHED_MAX = 1024;
/** Canonical id → user name. A user's canonical id never changes, so an entry never goes stale. */
const displayNames = new Map<string, string>();

async function displayName(context: RequestContext, ownerId: string): Promise<string | undefined> {
  if (ownerId === context.config.ownerId) return context.config.ownerDisplayName;
  const { principal } = context;
  if (principal.kind === 'user' && principal.canonicalId === ownerId) return principal.name;
  const cached = displayNames.get(ownerId);
  if (cached !== undefined) return cached;
  const user = await context.layers.index.getUserByCanonicalId(ownerId);
  if (user === undefined) return undefined;
  if (displayNames.size >= DISPLAY_NAMES_CACHED_MAX) displayNames.delete(displayNames.keys().next().value as string);
  displayNames.set(ownerId, user.name);
  return user.name;
}

/** ID and DisplayName of an owner. */
export async function ownerNodes(context: RequestContext, ownerId: string): Promise<XmlNode[]> {
  return [node('ID', ownerId), node('DisplayName', await displayName(context, ownerId))];
}

/** ID and DisplayName of the request's bucket's owner (from the request's one bucket read). */
export async function bucketOwnerNodes(context: RequestContext): Promise<XmlNode[]> {
  const ownerId = (await lookupRequestBucket(context))?.bucket.ownerId ?? context.config.ownerId;
  return ownerNodes(context, ownerId);
}
