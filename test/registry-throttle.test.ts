// The registry's throttling on a server with its default worker count (one process per core):
// each worker's token buckets hold its share of --registry-rate, so a burst over the rate — at /v2/
// and at the ECR API — gets no more successes than the configured rate allows over every worker
// together, and the rest are 429 TOOMANYREQUESTS (OCI) or ThrottlingException (ECR), each with
// Retry-After: nothing else, no 500.
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { ociError, registryFetch } from './helpers/registry-client.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const ACCOUNT_RATE = 10;
/** A caller's bucket holds two seconds of its rate (throttle.ts). */
const BURST_SECONDS = 2;
const BURST_REQUESTS = ACCOUNT_RATE * BURST_SECONDS * 4;
const REFILL_WAIT_MS = (BURST_SECONDS + 0.5) * 1000;

/** Successes a burst lasting `elapsedMs` may get at most: every worker's full bucket (the whole rate's), plus the refill. */
const successesMax = (elapsedMs: number) => ACCOUNT_RATE * BURST_SECONDS + Math.ceil((ACCOUNT_RATE * elapsedMs) / 1000) + 1;

let server: RunningServer;
before(async () => {
  server = await startServer({ extraArgs: ['--registry-rate', `${ACCOUNT_RATE},1000`] });
});
after(async () => server?.dispose());

describe(`registry throttling over ${availableParallelism()} worker(s)`, () => {
  it('a burst at /v2/ gets at most the rate\'s successes, the rest 429 TOOMANYREQUESTS with Retry-After', async () => {
    await new Promise((wake) => setTimeout(wake, REFILL_WAIT_MS));
    const startedMs = Date.now();
    const answers = await Promise.all(Array.from({ length: BURST_REQUESTS }, () => registryFetch(server, 'GET', '/v2/')));
    const elapsedMs = Date.now() - startedMs;
    assert.deepEqual([...new Set(answers.map((answer) => answer.status))].sort(), [200, 429]);
    const successes = answers.filter((answer) => answer.status === 200).length;
    assert.ok(successes <= successesMax(elapsedMs), `${successes} successes in ${elapsedMs} ms`);
    for (const answer of answers.filter((candidate) => candidate.status === 429)) {
      assert.equal(ociError(answer).code, 'TOOMANYREQUESTS');
      assert.ok(Number(answer.headers.get('retry-after')) >= 1);
    }
    await new Promise((wake) => setTimeout(wake, REFILL_WAIT_MS));
    assert.equal((await registryFetch(server, 'GET', '/v2/')).status, 200);
  });

  it('a burst at the ECR API gets ThrottlingException with Retry-After and nothing else', async () => {
    await new Promise((wake) => setTimeout(wake, REFILL_WAIT_MS));
    // One attempt each, so every throttled answer is seen (the SDK would retry it otherwise).
    const ecr = new ECRClient({ endpoint: server.endpoint, region: TEST_REGION, maxAttempts: 1, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    const retryAfter: string[] = [];
    ecr.middlewareStack.add((next) => async (args) => {
      const output = await next(args);
      const response = output.response as { statusCode?: number; headers?: Record<string, string> };
      if (response.statusCode !== 200) retryAfter.push(response.headers?.['retry-after'] ?? '');
      return output;
    }, { step: 'deserialize', priority: 'low' });
    try {
      const startedMs = Date.now();
      const outcomes = await Promise.allSettled(Array.from({ length: BURST_REQUESTS }, () => ecr.send(new DescribeRepositoriesCommand({}))));
      const elapsedMs = Date.now() - startedMs;
      const failures = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => (outcome as PromiseRejectedResult).reason as { name: string; $metadata: { httpStatusCode: number } });
      assert.ok(failures.length > 0, 'some requests were throttled');
      assert.ok(outcomes.length - failures.length <= successesMax(elapsedMs), `${outcomes.length - failures.length} successes in ${elapsedMs} ms`);
      assert.deepEqual([...new Set(failures.map((failure) => `${failure.name} ${failure.$metadata.httpStatusCode}`))], ['ThrottlingException 400']);
      assert.equal(retryAfter.length, failures.length);
      assert.ok(retryAfter.every((value) => Number(value) >= 1), retryAfter.join(','));
    } finally {
      ecr.destroy();
    }
  });
});
