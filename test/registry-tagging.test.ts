// ECR resource tags on repositories with @aws-sdk/client-ecr (default settings): tags given to
// CreateRepository, TagResource (adding and replacing), UntagResource, ListTagsForResource; each bad
// input with ECR's exception (TooManyTagsException past 50 tags, InvalidTagParameterException for a
// bad or reserved key or value, InvalidParameterException for a malformed ARN, RepositoryNotFoundException)
// and the tags left as they were; DescribeRegistry.
import {
  CreateRepositoryCommand, DescribeRegistryCommand, DescribeRepositoriesCommand, ECRClient, ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand,
  type Tag,
} from '@aws-sdk/client-ecr';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cairnAdmin, createUser } from './helpers/iam.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

/** ECR's limit on a resource's tags. */
const TAGS_MAX = 50;

let server: RunningServer;
let ecr: ECRClient;
let accountId: string;
before(async () => {
  server = await startServer({ extraArgs: ['--workers', '1'] });
  ecr = new ECRClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
  accountId = (await ecr.send(new DescribeRegistryCommand({}))).registryId!;
});
after(async () => {
  ecr?.destroy();
  await server?.dispose();
});

const arnOf = (name: string) => `arn:aws:ecr:${TEST_REGION}:${accountId}:repository/${name}`;
const tagsOf = async (name: string) => (await ecr.send(new ListTagsForResourceCommand({ resourceArn: arnOf(name) }))).tags;
const manyTags = (count: number, prefix = 'k'): Tag[] => Array.from({ length: count }, (_, index) => ({ Key: `${prefix}${index}`, Value: `v${index}` }));

describe('repository tags', () => {
  it('are given at creation, added, replaced, removed and listed', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/app', tags: [{ Key: 'team', Value: 'core' }, { Key: 'cost-center', Value: '' }] }));
    assert.deepEqual(await tagsOf('tags/app'), [{ Key: 'team', Value: 'core' }, { Key: 'cost-center', Value: '' }]);
    await ecr.send(new TagResourceCommand({ resourceArn: arnOf('tags/app'), tags: [{ Key: 'team', Value: 'platform' }, { Key: 'env', Value: 'prod ü' }] }));
    assert.deepEqual(await tagsOf('tags/app'), [{ Key: 'team', Value: 'platform' }, { Key: 'cost-center', Value: '' }, { Key: 'env', Value: 'prod ü' }]);
    await ecr.send(new UntagResourceCommand({ resourceArn: arnOf('tags/app'), tagKeys: ['cost-center', 'not-there'] }));
    assert.deepEqual(await tagsOf('tags/app'), [{ Key: 'team', Value: 'platform' }, { Key: 'env', Value: 'prod ü' }]);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/plain' }));
    assert.deepEqual(await tagsOf('tags/plain'), []);
    // Exactly the limit is fine.
    await ecr.send(new TagResourceCommand({ resourceArn: arnOf('tags/plain'), tags: manyTags(TAGS_MAX) }));
    assert.equal((await tagsOf('tags/plain'))?.length, TAGS_MAX);
  });

  it('refuses each bad input with ECR\'s exception and changes nothing', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/bad', tags: [{ Key: 'keep', Value: 'me' }] }));
    const before = await tagsOf('tags/bad');
    const refusals: Array<[string, Tag[], string]> = [
      ['51 tags at once', manyTags(TAGS_MAX + 1), 'TooManyTagsException'],
      ['a reserved aws: key', [{ Key: 'aws:owner', Value: 'x' }], 'InvalidTagParameterException'],
      ['an empty key', [{ Key: '', Value: 'x' }], 'InvalidTagParameterException'],
      ['a 129-character key', [{ Key: 'k'.repeat(129), Value: 'x' }], 'InvalidTagParameterException'],
      ['a 257-character value', [{ Key: 'k', Value: 'v'.repeat(257) }], 'InvalidTagParameterException'],
      ['a key with #', [{ Key: 'a#b', Value: 'x' }], 'InvalidTagParameterException'],
      ['one key twice', [{ Key: 'dup', Value: '1' }, { Key: 'dup', Value: '2' }], 'InvalidTagParameterException'],
    ];
    for (const [reason, tags, name] of refusals) {
      await assert.rejects(ecr.send(new TagResourceCommand({ resourceArn: arnOf('tags/bad'), tags })), { name }, reason);
      await assert.rejects(ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/never', tags })), { name }, reason);
    }
    // 50 more on top of the one it holds: over the limit as a whole.
    await assert.rejects(ecr.send(new TagResourceCommand({ resourceArn: arnOf('tags/bad'), tags: manyTags(TAGS_MAX, 'more') })), { name: 'TooManyTagsException' });
    await assert.rejects(ecr.send(new UntagResourceCommand({ resourceArn: arnOf('tags/bad'), tagKeys: ['aws:owner'] })), { name: 'InvalidTagParameterException' });
    for (const resourceArn of ['not-an-arn', `arn:aws:ecr:${TEST_REGION}:${accountId}:repository/Bad_Name`, `arn:aws:s3:::tags-bad`, `arn:aws:ecr:eu-west-3:${accountId}:repository/tags/bad`]) {
      await assert.rejects(ecr.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'a', Value: 'b' }] })), { name: 'InvalidParameterException' }, resourceArn);
      await assert.rejects(ecr.send(new ListTagsForResourceCommand({ resourceArn })), { name: 'InvalidParameterException' }, resourceArn);
    }
    await assert.rejects(ecr.send(new TagResourceCommand({ resourceArn: arnOf('tags/none'), tags: [{ Key: 'a', Value: 'b' }] })), { name: 'RepositoryNotFoundException' });
    await assert.rejects(ecr.send(new ListTagsForResourceCommand({ resourceArn: arnOf('tags/none') })), { name: 'RepositoryNotFoundException' });
    assert.deepEqual(await tagsOf('tags/bad'), before);
    await assert.rejects(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['tags/never'] })), { name: 'RepositoryNotFoundException' });
  });

  it('authorizes ecr:TagResource, ecr:UntagResource and ecr:ListTagsForResource on the ARN the request names', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/own', tags: [{ Key: 'a', Value: '1' }] }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/theirs', tags: [{ Key: 'a', Value: '1' }] }));
    const keys = await createUser(server, 'tagger');
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{
      Effect: 'Allow', Action: ['ecr:TagResource', 'ecr:UntagResource', 'ecr:ListTagsForResource'], Resource: arnOf('tags/own'),
    }] });
    const set = await cairnAdmin(server, ['user', 'set-policy', 'tagger', '-'], policy);
    assert.equal(set.code, 0, set.stderr);
    const tagger = new ECRClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } });
    try {
      await tagger.send(new TagResourceCommand({ resourceArn: arnOf('tags/own'), tags: [{ Key: 'b', Value: '2' }] }));
      await tagger.send(new UntagResourceCommand({ resourceArn: arnOf('tags/own'), tagKeys: ['a'] }));
      assert.deepEqual((await tagger.send(new ListTagsForResourceCommand({ resourceArn: arnOf('tags/own') }))).tags, [{ Key: 'b', Value: '2' }]);
      await assert.rejects(tagger.send(new TagResourceCommand({ resourceArn: arnOf('tags/theirs'), tags: [{ Key: 'b', Value: '2' }] })), { name: 'AccessDeniedException' });
      await assert.rejects(tagger.send(new UntagResourceCommand({ resourceArn: arnOf('tags/theirs'), tagKeys: ['a'] })), { name: 'AccessDeniedException' });
      await assert.rejects(tagger.send(new ListTagsForResourceCommand({ resourceArn: arnOf('tags/theirs') })), { name: 'AccessDeniedException' });
      assert.deepEqual(await tagsOf('tags/theirs'), [{ Key: 'a', Value: '1' }]);
    } finally {
      tagger.destroy();
    }
  });

  it('DescribeRegistry names the registry, which replicates nowhere', async () => {
    const registry = await ecr.send(new DescribeRegistryCommand({}));
    assert.match(registry.registryId!, /^\d{12}$/);
    assert.deepEqual(registry.replicationConfiguration, { rules: [] });
  });
});
