// S3 Tables tagging: TagResource, UntagResource and ListTagsForResource on a table bucket's or a
// table's ARN (`/tag/{resourceArn}`), and the tags CreateTableBucket and CreateTable may carry.
// Tags are AWS's: keys of 1–128 and values of 0–256 characters, at most 50 a resource, keys
// starting `aws:` reserved; kept in the index (the setting 'tags' of the bucket's or table's id).
import { requireBucket, type TablesCall, type TablesContext } from './catalog-ops.js';
import { badRequest, notFound, tableOfArn } from './names.js';
import type { TablesAnswer } from './paging.js';

const TAG_KEY_LENGTH_MAX = 128;
const TAG_VALUE_LENGTH_MAX = 256;
export const TAGS_PER_RESOURCE_MAX = 50;
const RESERVED_TAG_KEY_PREFIX = 'aws:';
/** Letters, digits, white space and `_ . : / = + - @` in any language (AWS's tag character set). */
const TAG_TEXT_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function checkTags(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('The tags must be a map of keys to values.');
  const tags = value as Record<string, unknown>;
  if (Object.keys(tags).length > TAGS_PER_RESOURCE_MAX) throw badRequest(`A resource can have at most ${TAGS_PER_RESOURCE_MAX} tags.`);
  for (const [key, tagValue] of Object.entries(tags)) {
    if (key.length === 0 || key.length > TAG_KEY_LENGTH_MAX || !TAG_TEXT_PATTERN.test(key)) throw badRequest(`The tag key is not valid: ${key}`);
    if (key.toLowerCase().startsWith(RESERVED_TAG_KEY_PREFIX)) throw badRequest(`The tag key prefix ${RESERVED_TAG_KEY_PREFIX} is reserved: ${key}`);
    if (typeof tagValue !== 'string' || tagValue.length > TAG_VALUE_LENGTH_MAX || !TAG_TEXT_PATTERN.test(tagValue)) throw badRequest(`The tag value of ${key} is not valid.`);
  }
  return tags as Record<string, string>;
}

/** The id a resource ARN's tags are kept under: the table bucket's, or the table's. */
async function ownerIdOf(context: TablesContext, call: TablesCall): Promise<string> {
  const arn = call.segments[1] ?? '';
  if (arn.includes('/table/')) {
    const { bucket, tableId } = tableOfArn(context.scope, arn);
    const table = await context.index.getTableById(bucket, tableId);
    if (table === undefined) throw notFound('The specified table does not exist.');
    return table.tableId;
  }
  return (await requireBucket(context, arn)).tableBucketId;
}

/** Stores tags in one write, refusing more than the limit in all. */
export async function addTags(context: TablesContext, ownerId: string, tags: Record<string, string>, remove: string[] = []): Promise<void> {
  if (await context.index.mergeTableTags(ownerId, tags, remove, TAGS_PER_RESOURCE_MAX) === 'too-many') {
    throw badRequest(`A resource can have at most ${TAGS_PER_RESOURCE_MAX} tags.`);
  }
}

export async function tagResource(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const ownerId = await ownerIdOf(context, call);
  const tags = checkTags(call.body['tags']);
  if (Object.keys(tags).length === 0) throw badRequest('At least one tag must be specified.');
  await addTags(context, ownerId, tags);
  return { status: 200, body: {} };
}

export async function untagResource(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const ownerId = await ownerIdOf(context, call);
  const keys = call.query.getAll('tagKeys');
  if (keys.length === 0) throw badRequest('At least one tag key must be specified.');
  if (keys.some((key) => key.length === 0 || key.length > TAG_KEY_LENGTH_MAX)) throw badRequest('A tag key is not valid.');
  await addTags(context, ownerId, {}, keys);
  return { status: 204 };
}

export async function listTagsForResource(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const ownerId = await ownerIdOf(context, call);
  return { status: 200, body: { tags: JSON.parse(await context.index.getTableSetting(ownerId, 'tags') ?? '{}') as Record<string, string> } };
}
