// The ECR API's lifecycle policy operations: PutLifecyclePolicy (validated as lifecycle-policy.ts
// says), GetLifecyclePolicy, DeleteLifecyclePolicy, StartLifecyclePolicyPreview (records the policy
// to preview: the repository's own when none is given) and GetLifecyclePolicyPreview — the images
// the previewed policy would expire now, evaluated when asked (so the preview is COMPLETE at once),
// each with its appliedRulePriority, and the summary.
import type { RegistryRepositorySettings } from '../../index/types.js';
import { EcrError, type EcrCall } from './ecr-call.js';
import { plannedExpirations } from './lifecycle-worker.js';
import { parseLifecyclePolicy } from './lifecycle-policy.js';

/** GetLifecyclePolicyPreview pages: 100 by default and at most (the model's bound). */
const PREVIEW_PAGE_MAX = 100;
/** imageIds a preview request may name (the model's bound). */
const PREVIEW_IMAGE_IDS_MAX = 100;

type Operation = (call: EcrCall, repository: string) => Promise<Record<string, unknown>>;

async function settingsOf(call: EcrCall, repository: string): Promise<RegistryRepositorySettings> {
  return (await call.layers.index.getRegistryRepositorySettings(repository)) ?? { tags: [] };
}

const policyNotFound = (call: EcrCall, repository: string) =>
  new EcrError('LifecyclePolicyNotFoundException', `Lifecycle policy does not exist for the repository with name '${repository}' in the registry with id '${call.accountId}'`);

const evaluatedAt = (settings: RegistryRepositorySettings) =>
  (settings.lifecycleEvaluatedAtMs === undefined ? {} : { lastEvaluatedAt: settings.lifecycleEvaluatedAtMs / 1000 });

export const putLifecyclePolicy: Operation = async (call, repository) => {
  const text = call.body['lifecyclePolicyText'];
  parseLifecyclePolicy(text);
  await call.layers.index.setRegistryLifecycleText(repository, 'policy', text as string);
  return { registryId: call.accountId, repositoryName: repository, lifecyclePolicyText: text };
};

export const getLifecyclePolicy: Operation = async (call, repository) => {
  const settings = await settingsOf(call, repository);
  if (settings.lifecyclePolicy === undefined) throw policyNotFound(call, repository);
  return { registryId: call.accountId, repositoryName: repository, lifecyclePolicyText: settings.lifecyclePolicy, ...evaluatedAt(settings) };
};

export const deleteLifecyclePolicy: Operation = async (call, repository) => {
  const settings = await settingsOf(call, repository);
  if (settings.lifecyclePolicy === undefined) throw policyNotFound(call, repository);
  await call.layers.index.setRegistryLifecycleText(repository, 'policy', undefined);
  return { registryId: call.accountId, repositoryName: repository, lifecyclePolicyText: settings.lifecyclePolicy, ...evaluatedAt(settings) };
};

export const startLifecyclePolicyPreview: Operation = async (call, repository) => {
  const given = call.body['lifecyclePolicyText'];
  const text = given ?? (await settingsOf(call, repository)).lifecyclePolicy;
  if (text === undefined) throw policyNotFound(call, repository);
  parseLifecyclePolicy(text);
  await call.layers.index.setRegistryLifecycleText(repository, 'preview', text as string);
  return { registryId: call.accountId, repositoryName: repository, lifecyclePolicyText: text, status: 'IN_PROGRESS' };
};

interface PreviewQuery { ids?: Array<{ imageDigest?: unknown; imageTag?: unknown }>; status: string; after: number; limit: number }

function previewQueryOf(call: EcrCall): PreviewQuery {
  const ids = call.body['imageIds'];
  if (ids !== undefined && (!Array.isArray(ids) || ids.length === 0 || ids.length > PREVIEW_IMAGE_IDS_MAX)) {
    throw new EcrError('InvalidParameterException', `imageIds must hold 1 to ${PREVIEW_IMAGE_IDS_MAX} image ids.`);
  }
  const limit = Number(call.body['maxResults'] ?? PREVIEW_PAGE_MAX);
  if (!Number.isInteger(limit) || limit < 1 || limit > PREVIEW_PAGE_MAX) throw new EcrError('InvalidParameterException', `maxResults must be from 1 to ${PREVIEW_PAGE_MAX}.`);
  if (ids !== undefined && (call.body['maxResults'] !== undefined || call.body['nextToken'] !== undefined)) {
    throw new EcrError('InvalidParameterException', 'maxResults and nextToken cannot be used with imageIds.');
  }
  const status = (call.body['filter'] as { tagStatus?: unknown } | undefined)?.tagStatus ?? 'ANY';
  if (status !== 'TAGGED' && status !== 'UNTAGGED' && status !== 'ANY') throw new EcrError('InvalidParameterException', 'filter.tagStatus must be TAGGED, UNTAGGED or ANY.');
  const token = call.body['nextToken'];
  const after = typeof token === 'string' ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(after) || after < 0) throw new EcrError('InvalidParameterException', 'nextToken is not valid.');
  return { ids: ids as PreviewQuery['ids'], status, after, limit };
}

export const getLifecyclePolicyPreview: Operation = async (call, repository) => {
  const query = previewQueryOf(call);
  const text = (await settingsOf(call, repository)).lifecyclePreviewPolicy;
  if (text === undefined) throw new EcrError('LifecyclePolicyPreviewNotFoundException', 'There is no dry run for this repository.');
  const planned = (await plannedExpirations(call.layers, repository, text, call.nowMs, call.lifecycleDayMs))
    .sort((a, b) => a.image.pushedAtMs - b.image.pushedAtMs || (a.image.digest < b.image.digest ? -1 : 1));
  const selected = planned.filter(({ image }) => {
    if (query.status === 'TAGGED' && image.tags.length === 0) return false;
    if (query.status === 'UNTAGGED' && image.tags.length > 0) return false;
    return query.ids === undefined || query.ids.some((id) => id.imageDigest === image.digest || (typeof id.imageTag === 'string' && image.tags.includes(id.imageTag)));
  });
  const page = selected.slice(query.after, query.after + query.limit);
  const more = query.after + query.limit < selected.length ? { nextToken: Buffer.from(String(query.after + query.limit), 'utf8').toString('base64url') } : {};
  return {
    registryId: call.accountId, repositoryName: repository, lifecyclePolicyText: text, status: 'COMPLETE',
    previewResults: page.map(({ image, rulePriority }) => ({
      imageDigest: image.digest, ...(image.tags.length === 0 ? {} : { imageTags: image.tags }), imagePushedAt: image.pushedAtMs / 1000,
      action: { type: 'EXPIRE' }, appliedRulePriority: rulePriority,
    })),
    summary: { expiringImageTotalCount: planned.length },
    ...more,
  };
};
