// Bad input to compaction: the admin API refuses what it does not know (and runs no pass), a user
// who is not root is refused, `cairn admin compaction` refuses a wrong command line, and the server
// refuses bad compaction and volume-size flags at start without creating anything. Also: the
// metrics carry compaction's counters.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from './helpers/clients.js';
import { adminCall } from './helpers/faults.js';
import { cairnAdmin, createUser, userSigner } from './helpers/iam.js';
import { runCommand } from './helpers/processes.js';
import { CAIRN_BIN, startServer, temporaryDirectory, type RunningServer } from './helpers/server.js';

/** A server that refuses a flag exits at once; this only bounds a hang (a loaded machine can take seconds to start node). */
const REFUSAL_TIMEOUT_MS = 60_000;
const SETTLE_MS = 600;

describe('compaction: bad input', () => {
  let server: RunningServer;

  before(async () => {
    server = await startServer({ extraArgs: ['--compaction-interval', '0'] });
  });

  after(async () => {
    await server.dispose();
  });

  it('the admin API refuses unknown fields, bodies that are not JSON and other methods; no pass runs', async () => {
    const cases: Array<[string, string | undefined, number, string]> = [
      ['POST', '{"volumes": [1]}', 400, 'InvalidInput'],
      ['POST', 'not json', 400, 'InvalidInput'],
      ['POST', '[]', 400, 'InvalidInput'],
      ['PUT', '{}', 405, 'MethodNotAllowed'],
      ['DELETE', undefined, 405, 'MethodNotAllowed'],
    ];
    for (const [method, body, status, code] of cases) {
      const response = await adminCall(server, method, '/compaction', body);
      assert.equal(response.status, status, `${method} ${body}`);
      assert.equal(response.json.error.code, code, `${method} ${body}`);
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const status = (await adminCall(server, 'GET', '/compaction')).json;
    assert.equal(status.passesCompleted, 0, 'no pass ran');
    assert.equal(existsSync(join(server.dataDirectory, 'compaction', 'request.json')), false, 'no request is queued');
  });

  it('a user who is not root is refused', async () => {
    const keys = await createUser(server, 'operator');
    for (const method of ['GET', 'POST']) {
      const response = await rawRequest(server, { method, path: '/_cairn/admin/compaction', body: method === 'POST' ? '{}' : undefined, signerOverride: userSigner(keys) });
      assert.equal(response.status, 403, `${method}: ${response.body.toString()}`);
    }
    assert.equal((await adminCall(server, 'GET', '/compaction')).json.passesCompleted, 0);
  });

  it('cairn admin compaction refuses a wrong command line with exit status 2', async () => {
    for (const args of [['compaction', '--no-wait'], ['compaction', '--bogus'], ['compaction', 'extra']]) {
      const result = await cairnAdmin(server, args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    }
    const shown = await cairnAdmin(server, ['compaction', '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).passesCompleted, 0);
  });

  it('/_cairn/metrics carries compaction\'s counters', async () => {
    const response = await rawRequest(server, { method: 'GET', path: '/_cairn/metrics' });
    assert.equal(response.status, 200);
    const text = response.body.toString('utf8');
    for (const name of ['cairn_compaction_bytes_reclaimed_total', 'cairn_compaction_volumes_deleted_total', 'cairn_compaction_passes_total', 'cairn_compaction_pending_deletion_bytes']) {
      assert.match(text, new RegExp(`^${name} 0$`, 'm'), name);
    }
  });
});

describe('compaction flags: bad values refused at start, nothing created', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--volume-size', '1'], /--volume-size 1: expected a whole number of MiB from 2 to 1024/],
    [['--volume-size', '2048'], /--volume-size 2048/],
    [['--volume-size', '2.5'], /--volume-size 2\.5/],
    [['--compaction-rate=-1'], /--compaction-rate -1: expected MB\/s, 0 or more/],
    [['--compaction-interval', 'soon'], /--compaction-interval soon: expected seconds/],
    [['--compaction-grace=-5'], /--compaction-grace -5/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), async () => {
      const dataDirectory = join(temporaryDirectory('compaction-flags'), 'data');
      const result = await runCommand(process.execPath, [CAIRN_BIN, 'server', '--address', '127.0.0.1:0', '--data', dataDirectory, ...args], { timeoutMs: REFUSAL_TIMEOUT_MS });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, message);
      assert.equal(existsSync(dataDirectory), false, 'nothing was created');
    });
  }
});
