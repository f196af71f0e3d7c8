// Failover to a synchronous standby: this test makes its own PostgreSQL primary and a synchronous
// standby (initdb, pg_basebackup, pg_ctl as the postgres user), runs a server with two workers on the
// multi-host URL `postgres://…@primary,standby/…?target_session_attrs=read-write`, drives writes
// through a checker of acknowledged writes, crashes the primary (pg_ctl stop -m immediate) and promotes
// the standby. The server reconnects to the new primary by itself, no acknowledged write is lost, and
// every request in the gap is answered 503 (never a 500, never a hang).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { AckedWriteChecker, assertNoWorkerExited } from './helpers/acked-writes.js';
import { rawRequest } from './helpers/clients.js';
import { OwnedPostgres, ownedPostgresUnavailable } from './helpers/postgres-instance.js';
import { startServer, type RunningServer } from './helpers/server.js';

const BUCKET = 'failover';
/** Traffic before the crash, the gap before promotion, and traffic after recovery. */
const TRAFFIC_BEFORE_MS = 2_000;
const GAP_BEFORE_PROMOTION_MS = 2_000;
const TRAFFIC_AFTER_MS = 2_000;
/** The server serves writes again within this long of the promotion. */
const RECOVERY_MS = 15_000;
const POLL_MS = 100;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function syncState(primary: OwnedPostgres): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: primary.url });
  await client.connect();
  try {
    return (await client.query<{ sync_state: string }>('SELECT sync_state FROM pg_stat_replication')).rows[0]?.sync_state;
  } finally {
    await client.end();
  }
}

describe('failover of the PostgreSQL index to a synchronous standby', { skip: ownedPostgresUnavailable() }, () => {
  let primary: OwnedPostgres;
  let standby: OwnedPostgres;
  let server: RunningServer;

  before(async () => {
    primary = await OwnedPostgres.primary();
    await primary.start();
    standby = await OwnedPostgres.synchronousStandbyOf(primary);
    await standby.start();
    const deadline = Date.now() + RECOVERY_MS;
    while (await syncState(primary) !== 'sync') {
      if (Date.now() > deadline) throw new Error('the standby never became synchronous');
      await sleep(POLL_MS);
    }
    const url = `postgres://postgres@${primary.host}:${primary.port},${standby.host}:${standby.port}/postgres?target_session_attrs=read-write`;
    server = await startServer({ extraArgs: ['--index', url, '--workers', '2'] });
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}` })).status, 200);
  });
  after(async () => {
    await server?.dispose();
    await primary?.dispose();
    await standby?.dispose();
  });

  it('reconnects to the promoted standby by itself, loses no acknowledged write, and answers the gap with 503', async (t) => {
    const checker = new AckedWriteChecker([server], BUCKET, 3);
    checker.start();
    await sleep(TRAFFIC_BEFORE_MS);
    const acknowledgedBefore = (checker.statuses['PUT 200'] ?? 0) + (checker.statuses['DELETE 204'] ?? 0);
    assert.ok(acknowledgedBefore > 0, 'writes were acknowledged before the crash');
    await primary.stop('immediate');
    await sleep(GAP_BEFORE_PROMOTION_MS);
    await standby.promote();
    const promotedMs = Date.now();
    const headers = { connection: 'close' };
    for (;;) {
      if ((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/after-failover`, body: 'x', headers })).status === 200) break;
      assert.ok(Date.now() - promotedMs < RECOVERY_MS, 'the server did not reconnect to the new primary in time');
      await sleep(POLL_MS);
    }
    await sleep(TRAFFIC_AFTER_MS);
    await checker.stop();
    const report = await checker.verify(server);
    t.diagnostic(`answers: ${JSON.stringify(report.statuses)}; acknowledged writes ${report.acknowledgedWrites}; slowest ${report.slowestMs} ms`);
    assert.deepEqual(report.violations, [], JSON.stringify(report.statuses));
    assertNoWorkerExited(server);
    assert.ok((report.statuses['PUT 503'] ?? 0) + (report.statuses['GET 503'] ?? 0) > 0, `requests met the gap: ${JSON.stringify(report.statuses)}`);
    assert.equal(server.process.exitCode, null, 'the server is still running');
    assert.equal((await rawRequest(server, { method: 'GET', path: `/${BUCKET}/after-failover`, headers })).text, 'x');
  });
});
