// ECR resource tags on repositories: TagResource, UntagResource, ListTagsForResource (by repository
// ARN) and the tags CreateRepository takes — ECR's limits (50 tags, keys of 1 to 128 characters,
// values of at most 256, no `aws:` prefix) and exceptions (InvalidTagParameterException,
// TooManyTagsException, RepositoryNotFoundException; a malformed ARN is an InvalidParameterException).
import type { RegistryResourceTag } from '../../index/types.js';
import { EcrError, type EcrCall } from './ecr-call.js';
import { checkRepositoryName } from './names.js';

/** ECR's limits on a resource's tags. */
export const RESOURCE_TAGS_MAX = 50;
const TAG_KEY_CHARS_MAX = 128;
const TAG_VALUE_CHARS_MAX = 256;
/** The characters AWS allows in tag keys and values. */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const RESERVED_KEY_PREFIX = 'aws:';

const badTag = (message: string) => new EcrError('InvalidTagParameterException', message);

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length < 1 || [...key].length > TAG_KEY_CHARS_MAX || !TAG_CHARACTERS.test(key)) {
    throw badTag(`A tag key must be 1 to ${TAG_KEY_CHARS_MAX} letters, digits, spaces or _ . : / = + - @.`);
  }
  if (key.toLowerCase().startsWith(RESERVED_KEY_PREFIX)) throw badTag(`Tag keys starting with '${RESERVED_KEY_PREFIX}' are reserved for AWS use.`);
  return key;
}

/** The tags of a request (TagResource's, CreateRepository's), checked. */
export function checkTags(value: unknown): RegistryResourceTag[] {
  if (!Array.isArray(value)) throw new EcrError('InvalidParameterException', 'tags must be a list of {Key, Value}.');
  if (value.length > RESOURCE_TAGS_MAX) throw new EcrError('TooManyTagsException', `A resource holds at most ${RESOURCE_TAGS_MAX} tags.`);
  const keys = new Set<string>();
  return value.map((tag: { Key?: unknown; Value?: unknown } | null) => {
    const key = checkKey(tag?.Key);
    const tagValue = tag?.Value;
    if (typeof tagValue !== 'string' || [...tagValue].length > TAG_VALUE_CHARS_MAX || !TAG_CHARACTERS.test(tagValue)) {
      throw badTag(`A tag value must be at most ${TAG_VALUE_CHARS_MAX} letters, digits, spaces or _ . : / = + - @.`);
    }
    if (keys.has(key)) throw badTag(`The tag key '${key}' appears more than once.`);
    keys.add(key);
    return { Key: key, Value: tagValue };
  });
}

/** The repository a repository ARN of this registry names (undefined for anything else). */
export function repositoryOfArn(arn: unknown, region: string, accountId: string): string | undefined {
  const prefix = `arn:aws:ecr:${region}:${accountId}:repository/`;
  if (typeof arn !== 'string' || !arn.startsWith(prefix)) return undefined;
  try {
    return checkRepositoryName(arn.slice(prefix.length));
  } catch {
    return undefined;
  }
}

async function repositoryOf(call: EcrCall): Promise<string> {
  const arn = call.body['resourceArn'];
  const name = repositoryOfArn(arn, call.region, call.accountId);
  if (name === undefined) throw new EcrError('InvalidParameterException', `Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'`);
  if (await call.layers.index.getRegistryRepository(name) === undefined) {
    throw new EcrError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${call.accountId}'`);
  }
  return name;
}

async function changeTags(call: EcrCall, name: string, add: RegistryResourceTag[], removeKeys: string[]): Promise<void> {
  const outcome = await call.layers.index.changeRegistryRepositoryTags(name, add, removeKeys, RESOURCE_TAGS_MAX);
  if (outcome === 'too-many') throw new EcrError('TooManyTagsException', `A resource holds at most ${RESOURCE_TAGS_MAX} tags.`);
  if (outcome === 'missing') throw new EcrError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${call.accountId}'`);
}

export async function tagResource(call: EcrCall): Promise<Record<string, unknown>> {
  const name = await repositoryOf(call);
  await changeTags(call, name, checkTags(call.body['tags']), []);
  return {};
}

export async function untagResource(call: EcrCall): Promise<Record<string, unknown>> {
  const name = await repositoryOf(call);
  const keys = call.body['tagKeys'];
  if (!Array.isArray(keys)) throw new EcrError('InvalidParameterException', 'tagKeys must be a list of tag keys.');
  if (keys.length > RESOURCE_TAGS_MAX) throw new EcrError('TooManyTagsException', `At most ${RESOURCE_TAGS_MAX} tag keys can be removed at once.`);
  await changeTags(call, name, [], keys.map(checkKey));
  return {};
}

export async function listTagsForResource(call: EcrCall): Promise<Record<string, unknown>> {
  const name = await repositoryOf(call);
  return { tags: (await call.layers.index.getRegistryRepositorySettings(name))?.tags ?? [] };
}

/** CreateRepository's tags, set on the repository it just made. */
export async function tagNewRepository(call: EcrCall, name: string, tags: RegistryResourceTag[]): Promise<void> {
  if (tags.length > 0) await changeTags(call, name, tags, []);
}
