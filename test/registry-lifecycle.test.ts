// ECR lifecycle policies with @aws-sdk/client-ecr (default settings) on a real server whose
// lifecycle day is 1 s: Put/Get/DeleteLifecyclePolicy, each invalid policy refused with
// InvalidParameterException and nothing stored, the preview (the images a policy would expire, each
// with its appliedRulePriority, and the summary; referrers with their subject, an index's children
// never on their own), then the background worker expiring exactly those, and sinceImagePulled
// judging the last recorded pull.
import {
  CreateRepositoryCommand, DeleteLifecyclePolicyCommand, DescribeImagesCommand, ECRClient, GetLifecyclePolicyCommand, GetLifecyclePolicyPreviewCommand, ListImagesCommand,
  PutLifecyclePolicyCommand, StartLifecyclePolicyPreviewCommand,
} from '@aws-sdk/client-ecr';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { matchesTagPattern } from '../src/features/registry/lifecycle-evaluate.js';
import { OciImages } from './helpers/oci-images.js';
import { pushManifest, registryFetch } from './helpers/registry-client.js';
import { pushImage } from './helpers/registry-images.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const DAY_SECONDS = 1;
const SETTLE_TIMEOUT_MS = 15_000;

let server: RunningServer;
let ecr: ECRClient;
before(async () => {
  server = await startServer({ extraArgs: ['--workers', '1', '--lifecycle-day-seconds', String(DAY_SECONDS)] });
  ecr = new ECRClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
});
after(async () => {
  ecr?.destroy();
  await server?.dispose();
});

interface RuleText { rulePriority: number; selection: Record<string, unknown>; action?: Record<string, unknown>; description?: string }
const policyOf = (...rules: RuleText[]) => JSON.stringify({ rules: rules.map((rule) => ({ description: 'a rule of the lifecycle test', action: { type: 'expire' }, ...rule })) });

async function digestsIn(repositoryName: string): Promise<string[]> {
  const listed = await ecr.send(new ListImagesCommand({ repositoryName }));
  return [...new Set((listed.imageIds ?? []).map((id) => id.imageDigest!))].sort();
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 100));
  }
}

describe('lifecycle policies', () => {
  const keepTwo = policyOf({ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 2 } });

  it('are put, got and deleted; a repository without one answers LifecyclePolicyNotFoundException', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/crud' }));
    await assert.rejects(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/crud' })), { name: 'LifecyclePolicyNotFoundException' });
    await assert.rejects(ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'lc/crud' })), { name: 'LifecyclePolicyNotFoundException' });
    await assert.rejects(ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/none', lifecyclePolicyText: keepTwo })), { name: 'RepositoryNotFoundException' });
    const put = await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/crud', lifecyclePolicyText: keepTwo }));
    assert.deepEqual([put.repositoryName, put.lifecyclePolicyText, put.registryId?.length], ['lc/crud', keepTwo, 12]);
    assert.equal((await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/crud' }))).lifecyclePolicyText, keepTwo);
    // The worker evaluates it (nothing to expire) and says when.
    await until(async () => (await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/crud' }))).lastEvaluatedAt !== undefined, 'an evaluation');
    const deleted = await ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'lc/crud' }));
    assert.equal(deleted.lifecyclePolicyText, keepTwo);
    assert.ok(deleted.lastEvaluatedAt instanceof Date);
    await assert.rejects(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/crud' })), { name: 'LifecyclePolicyNotFoundException' });
  });

  it('refuses each invalid policy with InvalidParameterException and keeps the one it had', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/bad' }));
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/bad', lifecyclePolicyText: keepTwo }));
    const untagged = { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 };
    const bad: Record<string, string> = {
      'shorter than 100 characters': '{"rules":[]}',
      'not JSON': `${keepTwo.slice(0, -1)}`,
      'no rules': JSON.stringify({ rules: [], padding: 'x'.repeat(100) }),
      'two rules with one priority': policyOf({ rulePriority: 1, selection: untagged }, { rulePriority: 1, selection: { ...untagged, countNumber: 3 } }),
      'any before another rule': policyOf({ rulePriority: 1, selection: { ...untagged, tagStatus: 'any' } }, { rulePriority: 2, selection: untagged }),
      'tagged without a tag list': policyOf({ rulePriority: 1, selection: { ...untagged, tagStatus: 'tagged' } }),
      'tagged with both tag lists': policyOf({ rulePriority: 1, selection: { ...untagged, tagStatus: 'tagged', tagPrefixList: ['a'], tagPatternList: ['a*'] } }),
      'untagged with a prefix list': policyOf({ rulePriority: 1, selection: { ...untagged, tagPrefixList: ['a'] } }),
      'a pattern of five wildcards': policyOf({ rulePriority: 1, selection: { ...untagged, tagStatus: 'tagged', tagPatternList: ['a*b*c*d*e*f'] } }),
      'an unknown tag status': policyOf({ rulePriority: 1, selection: { ...untagged, tagStatus: 'some' } }),
      'countUnit with imageCountMoreThan': policyOf({ rulePriority: 1, selection: { ...untagged, countUnit: 'days' } }),
      'sinceImagePushed without countUnit': policyOf({ rulePriority: 1, selection: { ...untagged, countType: 'sinceImagePushed' } }),
      'countUnit of hours': policyOf({ rulePriority: 1, selection: { ...untagged, countType: 'sinceImagePulled', countUnit: 'hours' } }),
      'countNumber 0': policyOf({ rulePriority: 1, selection: { ...untagged, countNumber: 0 } }),
      'rulePriority 0': policyOf({ rulePriority: 0, selection: untagged }),
      'an action other than expire': policyOf({ rulePriority: 1, selection: untagged, action: { type: 'transition' } }),
    };
    for (const [reason, lifecyclePolicyText] of Object.entries(bad)) {
      await assert.rejects(ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/bad', lifecyclePolicyText })), { name: 'InvalidParameterException' }, reason);
      await assert.rejects(ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/bad', lifecyclePolicyText })), { name: 'InvalidParameterException' }, reason);
    }
    assert.equal((await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/bad' }))).lifecyclePolicyText, keepTwo);
    await assert.rejects(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/bad' })), { name: 'LifecyclePolicyPreviewNotFoundException' });
  });

  it('previews what a policy expires, then the worker expires exactly that (referrers with their subject, index children kept)', async () => {
    const repositoryName = 'lc/app';
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    await assert.rejects(ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName })), { name: 'LifecyclePolicyNotFoundException' });
    await assert.rejects(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName })), { name: 'LifecyclePolicyPreviewNotFoundException' });
    const images = new OciImages();
    const image = (name: string) => images.image([images.layer(`${name}.txt`, Buffer.from(name))]);
    const [prod1, prod2, dev1, loose, dev2] = ['prod1', 'prod2', 'dev1', 'loose', 'dev2'].map(image) as [ReturnType<typeof image>, ...ReturnType<typeof image>[]];
    await pushImage(server, repositoryName, images, prod1, 'prod-1');
    await pushImage(server, repositoryName, images, prod2!, 'prod-2');
    await pushImage(server, repositoryName, images, dev1!, 'dev-1');
    await pushImage(server, repositoryName, images, loose!);
    await pushImage(server, repositoryName, images, dev2!, 'dev-2');
    const signature = images.artifact('application/vnd.example.signature', Buffer.from('signed'), prod1, { note: 'sig' });
    await pushImage(server, repositoryName, images, signature);
    // An index tagged `multi` whose two children are untagged: they go with it, never alone.
    const children = [image('arm'), image('amd')];
    for (const child of children) await pushImage(server, repositoryName, images, child);
    await pushImage(server, repositoryName, images, images.index(children), 'multi');
    const policy = policyOf(
      { rulePriority: 1, selection: { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 1 } },
      { rulePriority: 5, selection: { tagStatus: 'tagged', tagPatternList: ['mul*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1000 } },
      { rulePriority: 10, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 } },
    );
    const started = await ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName, lifecyclePolicyText: policy }));
    assert.deepEqual([started.status, started.lifecyclePolicyText], ['IN_PROGRESS', policy]);
    const preview = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName }));
    assert.equal(preview.status, 'COMPLETE');
    // Rule 1 keeps prod-2 and expires prod-1 (and its signature); the index is rule 5's (kept);
    // rule 10 keeps the newest of the rest (dev-2) and expires dev-1 and the untagged image.
    const expected = [[prod1.digest, 1, ['prod-1']], [dev1!.digest, 10, ['dev-1']], [loose!.digest, 10, undefined], [signature.digest, 1, undefined]];
    assert.deepEqual(preview.previewResults?.map((result) => [result.imageDigest, result.appliedRulePriority, result.imageTags]), expected);
    assert.ok(preview.previewResults?.every((result) => result.action?.type === 'EXPIRE' && result.imagePushedAt instanceof Date));
    assert.equal(preview.summary?.expiringImageTotalCount, 4);
    const untaggedOnly = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName, filter: { tagStatus: 'UNTAGGED' } }));
    assert.deepEqual(untaggedOnly.previewResults?.map((result) => result.imageDigest), [loose!.digest, signature.digest]);
    const firstPage = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName, maxResults: 3 }));
    const secondPage = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName, maxResults: 3, nextToken: firstPage.nextToken }));
    assert.deepEqual([...firstPage.previewResults!, ...secondPage.previewResults!].map((result) => result.imageDigest), expected.map(([digest]) => digest));
    assert.equal(secondPage.nextToken, undefined);
    await assert.rejects(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName, maxResults: 101 })), { name: 'InvalidParameterException' });
    // A preview expires nothing.
    const all = [prod1, prod2!, dev1!, loose!, dev2!, signature, ...children, images.index(children)].map((descriptor) => descriptor.digest).sort();
    assert.deepEqual(await digestsIn(repositoryName), all);
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: policy }));
    const kept = all.filter((digest) => !expected.some(([expired]) => expired === digest));
    await until(async () => JSON.stringify(await digestsIn(repositoryName)) === JSON.stringify(kept), 'the worker to expire the previewed images');
    assert.equal((await registryFetch(server, 'GET', `/v2/${repositoryName}/manifests/prod-1`)).status, 404);
    assert.equal((await registryFetch(server, 'GET', `/v2/${repositoryName}/manifests/prod-2`)).status, 200);
  });

  it('sinceImagePulled judges the last recorded pull (never pulled: the push)', async () => {
    const repositoryName = 'lc/pulled';
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const images = new OciImages();
    const [busy, idle] = ['busy', 'idle'].map((name) => images.image([images.layer(`${name}.txt`, Buffer.from(name))]));
    await pushImage(server, repositoryName, images, busy!, 'busy');
    // Read before the push, so a slow push or policy call cannot shorten the wait measured below.
    const idlePushStartedMs = Date.now();
    await pushImage(server, repositoryName, images, idle!, 'idle');
    await ecr.send(new PutLifecyclePolicyCommand({
      repositoryName, lifecyclePolicyText: policyOf({ rulePriority: 1, selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 2 } }),
    }));
    const startedMs = Date.now();
    await until(async () => {
      assert.equal((await registryFetch(server, 'GET', `/v2/${repositoryName}/manifests/busy`)).status, 200);
      return (await digestsIn(repositoryName)).length === 1;
    }, 'the idle image to expire');
    assert.ok(Date.now() - idlePushStartedMs >= 2000, 'not before two days (2 s) after its push');
    assert.deepEqual(await digestsIn(repositoryName), [busy!.digest]);
    const described = await ecr.send(new DescribeImagesCommand({ repositoryName }));
    assert.ok(described.imageDetails?.[0]?.lastRecordedPullTime instanceof Date);
    assert.ok(described.imageDetails[0].lastRecordedPullTime.getTime() > startedMs);
  });

  it('tag patterns match in full, each * any run of characters', () => {
    const cases: Array<[string, string, boolean]> = [
      ['prod*', 'prod', true], ['prod*', 'production', true], ['prod*', 'xprod', false], ['*test*1*2*3', 'my-test-1-2-3', true], ['*test*1*2*3', 'test123x', false],
      ['a*a', 'a', false], ['a*a', 'aa', true], ['v1', 'v1', true], ['v1', 'v10', false], ['*', '', true],
    ];
    for (const [pattern, tag, matches] of cases) assert.equal(matchesTagPattern(pattern, tag), matches, `${pattern} ~ ${tag}`);
  });
});
