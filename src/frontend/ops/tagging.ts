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
import { asArray, node, parseXmlBody, xmlDocument } from '../xml.js';
import { requireBucket } from './buckets.js';
import { requireObject } from './get.js';
import { assertKeyLength } from './put.js';

/** S3: at most 10 tags on an object, 50 on a bucket; keys up to 128 characters, values up to 256. */
export const OBJECT_TAGS_MAX = 10;
export const BUCKET_TAGS_MAX = 50;
const TAG_KEY_CHARACTERS_MAX = 128;
const TAG_VALUE_CHARACTERS_MAX = 256;
/** Letters and numbers in any script, white space, and + - = . _ : / @ (S3's allowed tag characters). */
const TAG_TEXT_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const RESERVED_TAG_PREFIX = 'aws:';

function invalidTag(message: string, tag?: Tag): S3Error {
  return new S3Error('InvalidTag', message, { extraFields: tag === undefined ? {} : { TagKey: tag.key, TagValue: tag.value } });
}

/** Throws InvalidTag (as S3 words it) when `tags` breaks a rule; returns them unchanged. */
export function validateTags(tags: Tag[], tagsMax: number): Tag[] {
  if (tags.length > tagsMax) throw invalidTag(`Object tags cannot be greater than ${tagsMax}`);
  const seen = new Set<string>();
  for (const tag of tags) {
    const keyCharacters = [...tag.key].length;
    if (keyCharacters === 0 || keyCharacters > TAG_KEY_CHARACTERS_MAX || !TAG_TEXT_PATTERN.test(tag.key)) {
      throw invalidTag('The TagKey you have provided is invalid', tag);
    }
    if ([...tag.value].length > TAG_VALUE_CHARACTERS_MAX || !TAG_TEXT_PATTERN.test(tag.value)) {
      throw invalidTag('The TagValue you have provided is invalid', tag);
    }
    if (tag.key.toLowerCase().startsWith(RESERVED_TAG_PREFIX)) throw invalidTag('Your TagKey cannot be prefixed with aws:', tag);
    if (seen.has(tag.key)) throw invalidTag('Cannot provide multiple Tags with the same key', tag);
    seen.add(tag.key);
  }
  return tags;
}

/** x-amz-tagging: a URL-encoded query string ("k1=v1&k2=v2"); undefined when absent. */
export function tagsFromHeader(context: RequestContext): Tag[] | undefined {
  const value = header(context, 'x-amz-tagging');
  if (value === undefined) return undefined;
  const tags: Tag[] = [];
  for (const [key, tagValue] of new URLSearchParams(value)) tags.push({ key, value: tagValue });
  return tags.length === 0 ? undefined : validateTags(tags, OBJECT_TAGS_MAX);
}

/** A <Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging> document in the request body. */
async function tagsFromBody(context: RequestContext, tagsMax: number): Promise<Tag[]> {
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  return parseTaggingDocument(body, tagsMax);
}

/** Tags from a Tagging document (a request body, or the `tagging` field of a browser upload). */
export function parseTaggingDocument(body: Buffer, tagsMax: number): Tag[] {
  const tagging = parseXmlBody(body)['Tagging'];
  if (typeof tagging !== 'object' || tagging === null) throw new S3Error('MalformedXML');
  const tagSet = (tagging as Record<string, unknown>)['TagSet'];
  if (tagSet === undefined) throw new S3Error('MalformedXML');
  const entries = tagSet === '' ? [] : asArray((tagSet as Record<string, unknown>)['Tag'] as unknown);
  const tags = entries.map((entry): Tag => {
    const { Key: key, Value: value } = (entry ?? {}) as Record<string, unknown>;
    if (typeof key !== 'string' || (value !== undefined && typeof value !== 'string')) throw new S3Error('MalformedXML');
    return { key, value: value ?? '' };
  });
  return validateTags(tags, tagsMax);
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
