// Object and bucket tagging: Put/Get/DeleteObjectTagging, Put/Get/DeleteBucketTagging, and the
// x-amz-tagging header on PutObject, CopyObject and CreateMultipartUpload. Tag sets are checked
// against S3's limits before anything is written.
import { recordObjectTags } from '../../services/event-records.js';
import type { Tag } from '../../index/types.js';
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import { changeOrigin, header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { readSmallBody } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { node, xmlDocument } from '../xml.js';
import { requireBucket } from '../request/bucket.js';
import { assertKeyLength } from '../request/key.js';
import { requireObject } from '../request/object.js';
import { BUCKET_TAGS_MAX, OBJECT_TAGS_MAX, parseTaggingDocument } from '../request/tags.js';

/** A <Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging> document in the request body. */
async function tagsFromBody(context: RequestContext, tagsMax: number): Promise<Tag[]> {
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  return parseTaggingDocument(body, tagsMax);
}

function taggingDocument(tags: Tag[] | undefined): string {
  return xmlDocument('Tagging', [
    node('TagSet', (tags ?? []).map((tag) => node('Tag', [node('Key', tag.key), node('Value', tag.value)]))),
  ]);
}

/**
 * Replaces the tag set of the current version, or of the version `?versionId` names (a missing
 * version is NoSuchVersion, a delete marker MethodNotAllowed, as for GET). Answers the version id.
 */
async function setObjectTags(context: RequestContext, tags: Tag[] | undefined): Promise<Record<string, string>> {
  const versionId = context.query.get('versionId');
  if (versionId !== null) await requireObject(context, context.bucket!, context.key!, versionId);
  const updated = await context.layers.index.setObjectTags(context.bucket!, context.key!, tags, changeOrigin(context), versionId ?? undefined);
  if (updated === undefined) throw new S3Error('NoSuchKey', undefined, { extraFields: { Key: context.key! } });
  // Tags changed after a write are recorded on the drives too, so rebuild-index can restore them.
  await recordObjectTags(context.layers.storage, context.bucket!, context.key!, updated.dataId, tags);
  return updated.versionId === 'null' && versionId === null ? {} : { 'x-amz-version-id': updated.versionId };
}

export async function putObjectTagging(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  await requireBucket(context);
  const tags = await tagsFromBody(context, OBJECT_TAGS_MAX);
  sendEmpty(context.res, 200, await setObjectTags(context, tags));
}

export async function getObjectTagging(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  await requireBucket(context);
  const object = await requireObject(context, context.bucket!, context.key!, context.query.get('versionId'));
  sendXml(context.res, 200, taggingDocument(object.tags));
}

export async function deleteObjectTagging(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  await requireBucket(context);
  sendEmpty(context.res, 204, await setObjectTags(context, undefined));
}

export async function putBucketTagging(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const tags = await tagsFromBody(context, BUCKET_TAGS_MAX);
  if (!(await context.layers.index.setBucketTags(context.bucket!, tags))) {
    throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  }
  sendEmpty(context.res, 204);
}

export async function getBucketTagging(context: RequestContext): Promise<void> {
  const bucket = await requireBucket(context);
  if (bucket.tags === undefined) throw new S3Error('NoSuchTagSet', undefined, { extraFields: { BucketName: bucket.name } });
  sendXml(context.res, 200, taggingDocument(bucket.tags));
}

export async function deleteBucketTagging(context: RequestContext): Promise<void> {
  await requireBucket(context);
  await context.layers.index.setBucketTags(context.bucket!, undefined);
  sendEmpty(context.res, 204);
}
