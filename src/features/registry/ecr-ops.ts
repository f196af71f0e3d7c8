// The Amazon ECR API operations of this slice (awsJson1_1, X-Amz-Target
// AmazonEC2ContainerRegistry_V20150921.<Operation>): repositories (create — with tags —, describe, delete when
// empty), repository policies (set, get, delete), tag mutability, GetAuthorizationToken (its token is the password of
// user `AWS` at /v2/), DescribeRegistry, the image operations of ecr-images.ts, the layer operations of ecr-layers.ts,
// the lifecycle policies of ecr-lifecycle.ts and the resource tags of ecr-tagging.ts. Each returns its JSON answer or
// throws an EcrError.
import { parsePolicy } from '../../services/iam/policy.js';
import { ECR_TOKEN_LIFETIME_SECONDS, signToken } from './auth.js';
import { checkRepositoryName, repositoryArn } from './names.js';
import type { RegistryRepositoryRecord } from '../../index/types.js';
import * as images from './ecr-images.js';
import * as layerOps from './ecr-layers.js';
import * as lifecycle from './ecr-lifecycle.js';
import { checkTags, listTagsForResource, tagNewRepository, tagResource, untagResource } from './ecr-tagging.js';
import { EcrError, type EcrCall } from './ecr-call.js';

/** DescribeRepositories pages hold at most this many (ECR's maxResults limit). */
const DESCRIBE_PAGE_MAX = 1000;
/** ECR's limit on a repository policy's size. */
const REPOSITORY_POLICY_BYTES_MAX = 10_240;

type Operation = (call: EcrCall) => Promise<Record<string, unknown>>;

function nameOf(call: EcrCall): string {
  const name = call.body['repositoryName'];
  if (typeof name !== 'string') throw new EcrError('InvalidParameterException', 'repositoryName is required.');
  try {
    return checkRepositoryName(name);
  } catch {
    throw new EcrError('InvalidParameterException', `Invalid parameter at 'repositoryName' failed to satisfy constraint: '${name.slice(0, 256)}'`);
  }
}

const notFound = (call: EcrCall, name: string) =>
  new EcrError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${call.accountId}'`);

function describe(call: EcrCall, record: RegistryRepositoryRecord): Record<string, unknown> {
  return {
    repositoryArn: repositoryArn(call.region, call.accountId, record.name), registryId: call.accountId, repositoryName: record.name,
    repositoryUri: `${call.host}/${record.name}`, createdAt: record.createdAtMs / 1000, imageTagMutability: record.tagMutability,
    imageScanningConfiguration: { scanOnPush: false }, encryptionConfiguration: { encryptionType: 'AES256' },
  };
}

async function existing(call: EcrCall, name: string): Promise<RegistryRepositoryRecord> {
  const record = await call.layers.index.getRegistryRepository(name);
  if (record === undefined) throw notFound(call, name);
  return record;
}

const createRepository: Operation = async (call) => {
  const name = nameOf(call);
  const tags = call.body['tags'] === undefined ? [] : checkTags(call.body['tags']);
  if (await call.layers.index.createRegistryRepository(name, call.nowMs) === 'already-exists') {
    throw new EcrError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${call.accountId}'`);
  }
  const mutability = call.body['imageTagMutability'];
  if (mutability === 'IMMUTABLE') await call.layers.index.setRegistryTagMutability(name, 'IMMUTABLE');
  await tagNewRepository(call, name, tags);
  return { repository: describe(call, await existing(call, name)) };
};

const describeRepositories: Operation = async (call) => {
  const names = call.body['repositoryNames'];
  if (Array.isArray(names)) {
    const records = [];
    for (const name of names) records.push(await existing(call, String(name)));
    return { repositories: records.map((record) => describe(call, record)) };
  }
  const limit = Math.min(Number(call.body['maxResults'] ?? DESCRIBE_PAGE_MAX), DESCRIBE_PAGE_MAX);
  if (!Number.isInteger(limit) || limit < 1) throw new EcrError('InvalidParameterException', 'maxResults must be from 1 to 1000.');
  const token = typeof call.body['nextToken'] === 'string' ? Buffer.from(call.body['nextToken'], 'base64url').toString('utf8') : undefined;
  const page = await call.layers.index.listRegistryRepositories(token, limit + 1);
  const records = await Promise.all(page.slice(0, limit).map((name) => existing(call, name)));
  const more = page.length > limit ? { nextToken: Buffer.from(page[limit - 1]!, 'utf8').toString('base64url') } : {};
  return { repositories: records.map((record) => describe(call, record)), ...more };
};

const deleteRepository: Operation = async (call) => {
  const name = nameOf(call);
  const record = await existing(call, name);
  const outcome = await call.layers.index.deleteRegistryRepository(name, call.nowMs);
  if (outcome === 'missing') throw notFound(call, name);
  if (outcome === 'not-empty') {
    throw new EcrError('RepositoryNotEmptyException', `The repository with name '${name}' in registry with id '${call.accountId}' cannot be deleted because it still contains images`);
  }
  return { repository: describe(call, record) };
};

const setRepositoryPolicy: Operation = async (call) => {
  const name = nameOf(call);
  const text = call.body['policyText'];
  if (typeof text !== 'string' || Buffer.byteLength(text) > REPOSITORY_POLICY_BYTES_MAX) throw new EcrError('InvalidParameterException', 'policyText is required, at most 10,240 bytes.');
  try {
    parsePolicy(text, { kind: 'repository', accountId: call.accountId });
  } catch (error) {
    throw new EcrError('InvalidParameterException', `Invalid parameter at 'PolicyText' failed to satisfy constraint: '${error instanceof Error ? error.message : 'invalid policy'}'`);
  }
  if (await call.layers.index.setRegistryRepositoryPolicy(name, text) === 'missing') throw notFound(call, name);
  return { registryId: call.accountId, repositoryName: name, policyText: text };
};

const getRepositoryPolicy: Operation = async (call) => {
  const name = nameOf(call);
  const record = await existing(call, name);
  if (record.policy === undefined) {
    throw new EcrError('RepositoryPolicyNotFoundException', `Repository policy does not exist for the repository with name '${name}' in the registry with id '${call.accountId}'`);
  }
  return { registryId: call.accountId, repositoryName: name, policyText: record.policy };
};

const deleteRepositoryPolicy: Operation = async (call) => {
  const name = nameOf(call);
  const record = await existing(call, name);
  if (record.policy === undefined) {
    throw new EcrError('RepositoryPolicyNotFoundException', `Repository policy does not exist for the repository with name '${name}' in the registry with id '${call.accountId}'`);
  }
  if (await call.layers.index.setRegistryRepositoryPolicy(name, undefined) === 'missing') throw notFound(call, name);
  return { registryId: call.accountId, repositoryName: name, policyText: record.policy };
};

const putImageTagMutability: Operation = async (call) => {
  const name = nameOf(call);
  const mutability = call.body['imageTagMutability'];
  if (mutability !== 'MUTABLE' && mutability !== 'IMMUTABLE') throw new EcrError('InvalidParameterException', 'imageTagMutability must be MUTABLE or IMMUTABLE.');
  if (await call.layers.index.setRegistryTagMutability(name, mutability) === 'missing') throw notFound(call, name);
  return { registryId: call.accountId, repositoryName: name, imageTagMutability: mutability };
};

const getAuthorizationToken: Operation = async (call) => {
  const { token } = signToken(call.auth, call.accessKeyId, call.nowMs, ECR_TOKEN_LIFETIME_SECONDS);
  return {
    authorizationData: [{
      authorizationToken: Buffer.from(`AWS:${token}`, 'utf8').toString('base64'),
      expiresAt: Math.floor(call.nowMs / 1000) + ECR_TOKEN_LIFETIME_SECONDS,
      proxyEndpoint: `http://${call.host}`,
    }],
  };
};

/** DescribeRegistry: this registry replicates nowhere. */
const describeRegistry: Operation = async (call) => ({ registryId: call.accountId, replicationConfiguration: { rules: [] } });

/** An image operation on an existing repository (ecr-images.ts). */
function onImages(run: (call: EcrCall, repository: string) => Promise<Record<string, unknown>>): Operation {
  return async (call) => {
    const name = nameOf(call);
    await existing(call, name);
    return run(call, name);
  };
}

/** Each operation, with whether its action is judged on the request's repository (else on `*`). */
export const ECR_OPERATIONS: Readonly<Record<string, { run: Operation; onRepository: boolean }>> = {
  CreateRepository: { run: createRepository, onRepository: true },
  DescribeRepositories: { run: describeRepositories, onRepository: false },
  DeleteRepository: { run: deleteRepository, onRepository: true },
  SetRepositoryPolicy: { run: setRepositoryPolicy, onRepository: true },
  GetRepositoryPolicy: { run: getRepositoryPolicy, onRepository: true },
  DeleteRepositoryPolicy: { run: deleteRepositoryPolicy, onRepository: true },
  PutImageTagMutability: { run: putImageTagMutability, onRepository: true },
  GetAuthorizationToken: { run: getAuthorizationToken, onRepository: false },
  ListImages: { run: onImages(images.listImages), onRepository: true },
  DescribeImages: { run: onImages(images.describeImages), onRepository: true },
  BatchGetImage: { run: onImages(images.batchGetImage), onRepository: true },
  BatchDeleteImage: { run: onImages(images.batchDeleteImage), onRepository: true },
  PutImage: { run: onImages(images.putImage), onRepository: true },
  ListImageReferrers: { run: onImages(images.listImageReferrers), onRepository: true },
  BatchCheckLayerAvailability: { run: onImages(layerOps.batchCheckLayerAvailability), onRepository: true },
  InitiateLayerUpload: { run: onImages(layerOps.initiateLayerUpload), onRepository: true },
  UploadLayerPart: { run: onImages(layerOps.uploadLayerPart), onRepository: true },
  CompleteLayerUpload: { run: onImages(layerOps.completeLayerUpload), onRepository: true },
  GetDownloadUrlForLayer: { run: onImages(layerOps.getDownloadUrlForLayer), onRepository: true },
  PutLifecyclePolicy: { run: onImages(lifecycle.putLifecyclePolicy), onRepository: true },
  GetLifecyclePolicy: { run: onImages(lifecycle.getLifecyclePolicy), onRepository: true },
  DeleteLifecyclePolicy: { run: onImages(lifecycle.deleteLifecyclePolicy), onRepository: true },
  StartLifecyclePolicyPreview: { run: onImages(lifecycle.startLifecyclePolicyPreview), onRepository: true },
  GetLifecyclePolicyPreview: { run: onImages(lifecycle.getLifecyclePolicyPreview), onRepository: true },
  TagResource: { run: tagResource, onRepository: true },
  UntagResource: { run: untagResource, onRepository: true },
  ListTagsForResource: { run: listTagsForResource, onRepository: true },
  DescribeRegistry: { run: describeRegistry, onRepository: false },
};
