// Tag sets: S3's limits, the x-amz-tagging header and the Tagging document.
import type { Tag } from '../../index/types.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { asArray, parseXmlBody } from '../xml.js';

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
function validateTags(tags: Tag[], tagsMax: number): Tag[] {
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
