// The ECR API's image operations: ListImages, DescribeImages (paged by digest), BatchGetImage,
// BatchDeleteImage, PutImage and ListImageReferrers — the same index rows and checks as the OCI routes (PutImage stores
// the manifest through the one transaction that judges its blobs and the tag's mutability).
import { createHash } from 'node:crypto';
import { OciError } from './errors.js';
import { EcrError, type EcrCall } from './ecr-call.js';
import { MANIFEST_SIZE_BYTES_MAX, parseManifest } from './manifest-model.js';
import { referrerDescriptors } from './listings.js';
import { checkDigest, checkTag, isDigest, isVerifiableDigest } from './names.js';

/** ListImages and DescribeImages pages hold at most this many (ECR's maxResults limit). */
const IMAGES_PAGE_MAX = 1000;
/** BatchGetImage and BatchDeleteImage take at most this many image ids (ECR's limit). */
const IMAGE_IDS_MAX = 100;
/** ListImageReferrers pages: 20 by default, at most 50 (ECR's limits); at most 5 artifact types in its filter. */
const REFERRERS_PAGE_DEFAULT = 20;
const REFERRERS_PAGE_MAX = 50;
const REFERRER_ARTIFACT_TYPES_MAX = 5;

interface ImageId { imageDigest?: string; imageTag?: string }

type Operation = (call: EcrCall, repository: string) => Promise<Record<string, unknown>>;

function pageOf(call: EcrCall): { after?: string; limit: number } {
  const limit = Math.min(Number(call.body['maxResults'] ?? IMAGES_PAGE_MAX), IMAGES_PAGE_MAX);
  if (!Number.isInteger(limit) || limit < 1) throw new EcrError('InvalidParameterException', 'maxResults must be from 1 to 1000.');
  const token = call.body['nextToken'];
  return { after: typeof token === 'string' ? Buffer.from(token, 'base64url').toString('utf8') : undefined, limit };
}

function imageIdsOf(call: EcrCall): ImageId[] {
  const ids = call.body['imageIds'];
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > IMAGE_IDS_MAX) throw new EcrError('InvalidParameterException', `imageIds must hold 1 to ${IMAGE_IDS_MAX} image ids.`);
  return ids as ImageId[];
}

/** The digest an image id names in `repository`, or undefined. */
async function digestOfId(call: EcrCall, repository: string, id: ImageId): Promise<string | undefined> {
  if (typeof id.imageDigest === 'string') return isDigest(id.imageDigest) ? id.imageDigest : undefined;
  if (typeof id.imageTag === 'string') return call.layers.index.resolveRegistryTag(repository, id.imageTag);
  return undefined;
}

async function listPage(call: EcrCall, repository: string) {
  const { after, limit } = pageOf(call);
  const images = await call.layers.index.listRegistryImages(repository, after, limit + 1);
  const more = images.length > limit ? { nextToken: Buffer.from(images[limit - 1]!.digest, 'utf8').toString('base64url') } : {};
  return { images: images.slice(0, limit), more };
}

export const listImages: Operation = async (call, repository) => {
  const { images, more } = await listPage(call, repository);
  const status = (call.body['filter'] as { tagStatus?: string } | undefined)?.tagStatus ?? 'ANY';
  const imageIds = images.flatMap((image) => {
    if (image.tags.length === 0) return status === 'TAGGED' ? [] : [{ imageDigest: image.digest }];
    return status === 'UNTAGGED' ? [] : image.tags.map((tag) => ({ imageDigest: image.digest, imageTag: tag }));
  });
  return { imageIds, ...more };
};

export const describeImages: Operation = async (call, repository) => {
  const { images, more } = await listPage(call, repository);
  const imageDetails = images.map((image) => ({
    registryId: call.accountId, repositoryName: repository, imageDigest: image.digest, ...(image.tags.length === 0 ? {} : { imageTags: image.tags }),
    imageSizeInBytes: image.sizeBytes, imagePushedAt: image.createdAtMs / 1000, imageManifestMediaType: image.mediaType,
    ...(image.lastPulledAtMs === undefined ? {} : { lastRecordedPullTime: image.lastPulledAtMs / 1000 }),
  }));
  return { imageDetails, ...more };
};

export const batchGetImage: Operation = async (call, repository) => {
  const images: unknown[] = [];
  const failures: unknown[] = [];
  for (const id of imageIdsOf(call)) {
    const digest = await digestOfId(call, repository, id);
    const manifest = digest === undefined ? undefined : await call.layers.index.getRegistryManifest(repository, digest);
    if (manifest === undefined) {
      failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
      continue;
    }
    call.pulls.record(repository, manifest.digest, call.nowMs);
    images.push({
      registryId: call.accountId, repositoryName: repository, imageId: { imageDigest: manifest.digest, ...(id.imageTag === undefined ? {} : { imageTag: id.imageTag }) },
      imageManifest: Buffer.from(manifest.bytes).toString('utf8'), imageManifestMediaType: manifest.mediaType,
    });
  }
  return { images, failures };
};

export const batchDeleteImage: Operation = async (call, repository) => {
  const imageIds: unknown[] = [];
  const failures: unknown[] = [];
  for (const id of imageIdsOf(call)) {
    const digest = await digestOfId(call, repository, id);
    const outcome = digest === undefined ? 'missing'
      : typeof id.imageDigest === 'string' ? await call.layers.index.deleteRegistryManifest(repository, digest, call.nowMs)
        : await call.layers.index.deleteRegistryTag(repository, id.imageTag!);
    if (outcome === 'missing') failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
    else imageIds.push({ imageDigest: digest, ...(id.imageTag === undefined ? {} : { imageTag: id.imageTag }) });
  }
  return { imageIds, failures };
};

function parsedManifestOf(call: EcrCall): { bytes: Buffer; digest: string; parsed: ReturnType<typeof parseManifest> } {
  const text = call.body['imageManifest'];
  if (typeof text !== 'string' || Buffer.byteLength(text) > MANIFEST_SIZE_BYTES_MAX) throw new EcrError('InvalidParameterException', 'imageManifest is required, at most 4 MiB.');
  const bytes = Buffer.from(text, 'utf8');
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const given = call.body['imageDigest'];
  if (typeof given === 'string' && given !== digest) throw new EcrError('ImageDigestDoesNotMatchException', 'The specified image digest does not match the digest that Amazon ECR calculated for the image.');
  const mediaType = typeof call.body['imageManifestMediaType'] === 'string' ? call.body['imageManifestMediaType'] : undefined;
  try {
    return { bytes, digest, parsed: parseManifest(bytes, mediaType) };
  } catch (error) {
    throw new EcrError('InvalidParameterException', error instanceof OciError ? error.message : 'The manifest is not valid.');
  }
}

export const putImage: Operation = async (call, repository) => {
  const { bytes, digest, parsed } = parsedManifestOf(call);
  const tagValue = call.body['imageTag'];
  let tag: string | undefined;
  try {
    tag = typeof tagValue === 'string' ? checkTag(tagValue) : undefined;
    checkDigest(digest);
  } catch {
    throw new EcrError('InvalidParameterException', 'imageTag is not a valid tag.');
  }
  const { index } = call.layers;
  if (await index.getRegistryManifest(repository, digest) !== undefined && (tag === undefined || await index.resolveRegistryTag(repository, tag) === digest)) {
    throw new EcrError('ImageAlreadyExistsException', `Image with digest '${digest}'${tag === undefined ? '' : ` and tag '${tag}'`} already exists in the repository with name '${repository}' in registry with id '${call.accountId}'`);
  }
  const outcome = await index.putRegistryManifest({
    repository, digest, mediaType: parsed.mediaType, artifactType: parsed.artifactType ?? parsed.configMediaType, subjectDigest: parsed.subjectDigest,
    sizeBytes: bytes.byteLength, bytes, createdAtMs: call.nowMs,
  }, parsed.references, tag);
  if (!outcome.stored && outcome.reason === 'tag-immutable') {
    throw new EcrError('ImageTagAlreadyExistsException', `The image tag '${tag}' already exists in the '${repository}' repository and cannot be overwritten because the repository is immutable.`);
  }
  if (!outcome.stored) throw new EcrError('LayersNotFoundException', `The image references a layer or manifest the repository does not hold: ${outcome.digest}`);
  return { image: { registryId: call.accountId, repositoryName: repository, imageId: { imageDigest: digest, ...(tag === undefined ? {} : { imageTag: tag }) }, imageManifest: bytes.toString('utf8'), imageManifestMediaType: parsed.mediaType } };
};

/** ListImageReferrers: the manifests whose subject is `subjectId.imageDigest`, paged by digest. */
export const listImageReferrers: Operation = async (call, repository) => {
  const subject = (call.body['subjectId'] as { imageDigest?: unknown } | undefined)?.imageDigest;
  if (typeof subject !== 'string' || !isVerifiableDigest(subject)) throw new EcrError('InvalidParameterException', 'subjectId.imageDigest must be a sha256 digest.');
  const limit = Number(call.body['maxResults'] ?? REFERRERS_PAGE_DEFAULT);
  if (!Number.isInteger(limit) || limit < 1 || limit > REFERRERS_PAGE_MAX) throw new EcrError('InvalidParameterException', `maxResults must be from 1 to ${REFERRERS_PAGE_MAX}.`);
  const types = (call.body['filter'] as { artifactTypes?: unknown } | undefined)?.artifactTypes;
  if (types !== undefined && (!Array.isArray(types) || types.length > REFERRER_ARTIFACT_TYPES_MAX || types.some((type) => typeof type !== 'string'))) {
    throw new EcrError('InvalidParameterException', `filter.artifactTypes must hold at most ${REFERRER_ARTIFACT_TYPES_MAX} strings.`);
  }
  const token = call.body['nextToken'];
  const after = typeof token === 'string' ? Buffer.from(token, 'base64url').toString('utf8') : '';
  const all = await referrerDescriptors(call.layers, repository, subject, types === undefined || types.length === 0 ? undefined : types as string[]);
  const page = all.filter((referrer) => referrer.digest > after);
  const more = page.length > limit ? { nextToken: Buffer.from(page[limit - 1]!.digest, 'utf8').toString('base64url') } : {};
  return { referrers: page.slice(0, limit).map((referrer) => ({ ...referrer, artifactStatus: 'ACTIVE' })), ...more };
};
