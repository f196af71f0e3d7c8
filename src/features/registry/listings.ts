// Content discovery: tags of a repository and the catalog of repositories (both paged with n and
// last, a Link header naming the next page, each page one bounded index read), and the referrers
// of a manifest (an image index of the manifests whose subject it is, filtered by artifactType).
import type { Layers } from '../../services/objects.js';
import { sendJson, type RegistryContext } from './context.js';
import { OciError } from './errors.js';
import { OCI_INDEX } from './manifest-model.js';
import { checkDigest } from './names.js';

/** The largest page a tags or catalog request gets (and the page without n). */
export const LIST_PAGE_MAX = 1000;
/** Referrers answered at most (the referrers API has no paging of its own here). */
export const REFERRERS_MAX = 1000;

export interface ReferrerDescriptor { mediaType: string; size: number; digest: string; artifactType?: string; annotations?: Record<string, string> }

function pageSize(query: URLSearchParams): number {
  const text = query.get('n');
  if (text === null) return LIST_PAGE_MAX;
  if (!/^\d{1,9}$/.test(text)) throw new OciError(400, 'PAGINATION_NUMBER_INVALID', 'invalid number of results requested', { n: text.slice(0, 16) });
  return Math.min(Number(text), LIST_PAGE_MAX);
}

/** Answers one page: `fetch` reads limit + 1 names after `last`, so a next page is known without a count. */
async function answerPage(
  context: RegistryContext, path: string, field: 'tags' | 'repositories', fetch: (after: string | undefined, limit: number) => Promise<string[]>,
  extra: Record<string, unknown>,
): Promise<void> {
  const limit = pageSize(context.query);
  const last = context.query.get('last') ?? undefined;
  const names = limit === 0 ? [] : await fetch(last, limit + 1);
  const page = names.slice(0, limit);
  const headers: Record<string, string> = {};
  if (names.length > limit && page.length > 0) {
    headers['Link'] = `<${path}?n=${limit}&last=${encodeURIComponent(page[page.length - 1]!)}>; rel="next"`;
  }
  sendJson(context.res, 200, { ...extra, [field]: page }, headers);
}

export async function listTags(context: RegistryContext): Promise<void> {
  const { index } = context.layers;
  await answerPage(context, `/v2/${context.repository}/tags/list`, 'tags',
    (after, limit) => index.listRegistryTags(context.repository, after, limit), { name: context.repository });
}

export async function listCatalog(context: RegistryContext): Promise<void> {
  const { index } = context.layers;
  await answerPage(context, '/v2/_catalog', 'repositories', (after, limit) => index.listRegistryRepositories(after, limit), {});
}

/** The referrers of `subjectDigest` in `repository` as descriptors, in digest order (the index's), those of one of `artifactTypes` when given. */
export async function referrerDescriptors(layers: Layers, repository: string, subjectDigest: string, artifactTypes?: readonly string[]): Promise<ReferrerDescriptor[]> {
  const referrers = await layers.index.listRegistryReferrers(repository, subjectDigest, REFERRERS_MAX);
  return referrers.filter((manifest) => artifactTypes === undefined || artifactTypes.includes(manifest.artifactType ?? '')).map((manifest) => {
    let annotations: unknown;
    try {
      annotations = (JSON.parse(Buffer.from(manifest.bytes).toString('utf8')) as Record<string, unknown>)['annotations'];
    } catch {
      annotations = undefined;
    }
    return {
      mediaType: manifest.mediaType, size: manifest.sizeBytes, digest: manifest.digest,
      ...(manifest.artifactType === undefined ? {} : { artifactType: manifest.artifactType }),
      ...(typeof annotations === 'object' && annotations !== null ? { annotations: annotations as Record<string, string> } : {}),
    };
  });
}

export async function listReferrers(context: RegistryContext): Promise<void> {
  const digest = checkDigest(context.target);
  const wanted = context.query.get('artifactType') ?? undefined;
  const manifests = await referrerDescriptors(context.layers, context.repository, digest, wanted === undefined ? undefined : [wanted]);
  const headers: Record<string, string> = wanted === undefined ? {} : { 'OCI-Filters-Applied': 'artifactType' };
  sendJson(context.res, 200, { schemaVersion: 2, mediaType: OCI_INDEX, manifests }, headers, OCI_INDEX);
}
