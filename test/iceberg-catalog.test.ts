// The Iceberg REST catalog over a real server, driven by iceberg-js 1.0.0 (with a bearer token from
// the OAuth2 client-credentials endpoint, and with SigV4 for s3tables through its fetch hook) and
// by raw requests for what it cannot send: config and warehouses, namespaces, tables (metadata.json
// in the warehouse, ETag/304, stage-create, drop and purge, rename, register), an engine's append
// (Parquet + Avro manifests) read back row by row, two racing writers, atomic transactions,
// Idempotency-Key, authorization, and each bad input with its exact error and nothing changed.
import { CreateTableBucketCommand, GetTableCommand, GetTableMetadataLocationCommand, S3TablesClient } from '@aws-sdk/client-s3tables';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { IcebergError, IcebergRestCatalog } from 'iceberg-js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NodeSha256 } from './helpers/clients.js';
import { cairnAdmin, createUser } from './helpers/iam.js';
import { appendCommit, readRows, TEST_SCHEMA, type Row, type TableState } from './helpers/iceberg-writer.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const ACCOUNT = '000000000000';
const BUCKET = 'lake';
const BUCKET_ARN = `arn:aws:s3tables:${TEST_REGION}:${ACCOUNT}:bucket/${BUCKET}`;
const PREFIX = encodeURIComponent(BUCKET_ARN);
const ROOT_KEYS = { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY };

interface Answer { status: number; headers: Headers; json: Record<string, unknown> }

async function tokenFor(server: RunningServer, keys: { accessKeyId: string; secretAccessKey: string }, base = '/_iceberg'): Promise<Response> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: keys.accessKeyId, client_secret: keys.secretAccessKey });
  return fetch(`${server.endpoint}${base}/v1/oauth/tokens`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
}

/** A fetch that signs each request with SigV4 for s3tables (what AWS's own clients do). */
function sigv4Fetch(keys: { accessKeyId: string; secretAccessKey: string }): typeof fetch {
  const signer = new SignatureV4({ credentials: keys, region: TEST_REGION, service: 's3tables', sha256: NodeSha256 as never });
  return async (input, init) => {
    const url = new URL(String(input));
    const body = typeof init?.body === 'string' ? init.body : undefined;
    const headers: Record<string, string> = { host: url.host, ...(init?.headers as Record<string, string> | undefined) };
    const signed = await signer.sign({
      method: init?.method ?? 'GET', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname,
      query: Object.fromEntries(url.searchParams), headers, body,
    });
    return fetch(url, { method: init?.method, headers: signed.headers, body });
  };
}

describe('Iceberg REST catalog', () => {
  let server: RunningServer;
  let s3: S3Client;
  let tables: S3TablesClient;
  let token: string;
  let catalog: IcebergRestCatalog;

  /** A raw catalog request with the bearer token (for what iceberg-js cannot send). */
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(`${server.endpoint}/_iceberg/v1/${path}`, {
      method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text === '' ? {} : JSON.parse(text) as Record<string, unknown> };
  }
  const tablePath = (namespace: string, name: string) => `${PREFIX}/namespaces/${namespace}/tables/${name}`;
  async function metadataLocationOf(namespace: string, name: string): Promise<string | undefined> {
    return (await tables.send(new GetTableMetadataLocationCommand({ tableBucketARN: BUCKET_ARN, namespace, name }))).metadataLocation;
  }
  async function tableState(namespace: string, name: string): Promise<TableState> {
    return (await catalog.loadTable({ namespace: [namespace], name })) as unknown as TableState;
  }

  before(async () => {
    ({ server } = await openSuite());
    s3 = new S3Client({ endpoint: server.endpoint, region: TEST_REGION, credentials: ROOT_KEYS, forcePathStyle: true });
    tables = new S3TablesClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: ROOT_KEYS });
    await tables.send(new CreateTableBucketCommand({ name: BUCKET }));
    token = ((await (await tokenFor(server, ROOT_KEYS)).json()) as { access_token: string }).access_token;
    catalog = new IcebergRestCatalog({ baseUrl: `${server.endpoint}/_iceberg`, warehouse: BUCKET, auth: { type: 'bearer', token } });
  });
  after(async () => {
    tables?.destroy();
    await closeSuite(server, s3);
  });

  it('issues bearer tokens for client credentials, and refuses bad ones', async () => {
    const issued = await tokenFor(server, ROOT_KEYS, '/iceberg');
    assert.equal(issued.status, 200);
    const body = await issued.json() as Record<string, unknown>;
    assert.equal(body['token_type'], 'bearer');
    assert.equal(body['expires_in'], 3600);
    assert.equal(body['issued_token_type'], 'urn:ietf:params:oauth:token-type:access_token');
    const wrong = await tokenFor(server, { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: 'not-the-secret' });
    assert.equal(wrong.status, 401);
    assert.deepEqual(await wrong.json(), { error: 'invalid_client', error_description: 'The client credentials are not valid' });
    const grant = await fetch(`${server.endpoint}/_iceberg/v1/oauth/tokens`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password' });
    assert.equal(grant.status, 400);
    assert.equal((await grant.json() as { error: string }).error, 'unsupported_grant_type');
    const forged = await fetch(`${server.endpoint}/_iceberg/v1/config`, { headers: { authorization: `Bearer ${token.slice(0, -2)}xx` } });
    assert.equal(forged.status, 401);
    assert.equal((await forged.json() as { error: { type: string } }).error.type, 'NotAuthorizedException');
  });

  it('config names the warehouse prefix, by bucket name or ARN, and the endpoints', async () => {
    for (const warehouse of [BUCKET, BUCKET_ARN]) {
      const config = await call('GET', `config?warehouse=${encodeURIComponent(warehouse)}`);
      assert.equal(config.status, 200);
      assert.deepEqual(config.json['overrides'], { prefix: PREFIX });
      assert.deepEqual(config.json['defaults'], {});
      assert.ok((config.json['endpoints'] as string[]).includes('POST /v1/{prefix}/transactions/commit'));
    }
    const missing = await call('GET', 'config?warehouse=nowhere');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, { error: { message: 'Warehouse does not exist: nowhere', type: 'NoSuchWarehouseException', code: 404 } });
  });

  it('namespaces: create with properties, list with pages, load, exists, update properties, drop', async () => {
    await catalog.createNamespace({ namespace: ['sales'] }, { properties: { owner: 'ana' } });
    await catalog.createNamespace({ namespace: ['scratch'] });
    assert.deepEqual(await catalog.loadNamespaceMetadata({ namespace: ['sales'] }), { properties: { owner: 'ana' } });
    assert.equal(await catalog.namespaceExists({ namespace: ['sales'] }), true);
    assert.equal(await catalog.namespaceExists({ namespace: ['nothere'] }), false);
    const first = await call('GET', `${PREFIX}/namespaces?pageSize=1`);
    assert.deepEqual(first.json['namespaces'], [['sales']]);
    const second = await call('GET', `${PREFIX}/namespaces?pageSize=1&pageToken=${String(first.json['next-page-token'])}`);
    assert.deepEqual(second.json['namespaces'], [['scratch']]);
    assert.equal(second.json['next-page-token'], undefined);
    const updated = await catalog.updateNamespaceProperties({ namespace: ['sales'] }, { updates: { tier: 'gold' }, removals: ['owner', 'absent'] });
    assert.deepEqual(updated, { updated: ['tier'], removed: ['owner'], missing: ['absent'] });
    assert.deepEqual(await catalog.loadNamespaceMetadata({ namespace: ['sales'] }), { properties: { tier: 'gold' } });
    await catalog.dropNamespace({ namespace: ['scratch'] });
    assert.equal(await catalog.namespaceExists({ namespace: ['scratch'] }), false);
  });

  it('invalid names are 400 and create nothing; a repeated create is 409', async () => {
    const bad = await call('POST', `${PREFIX}/namespaces`, { namespace: ['Bad-Name'] });
    assert.equal(bad.status, 400);
    assert.equal((bad.json['error'] as { type: string }).type, 'BadRequestException');
    const nested = await call('POST', `${PREFIX}/namespaces`, { namespace: ['a', 'b'] });
    assert.equal(nested.status, 400);
    const badTable = await call('POST', `${PREFIX}/namespaces/sales/tables`, { name: 'Orders!', schema: TEST_SCHEMA });
    assert.equal(badTable.status, 400);
    assert.deepEqual((await catalog.listNamespaces()).namespaces, [{ namespace: ['sales'] }]);
    assert.deepEqual((await catalog.listTables({ namespace: ['sales'] })).identifiers, []);
    const again = await call('POST', `${PREFIX}/namespaces`, { namespace: ['sales'] });
    assert.equal(again.status, 409);
    assert.equal((again.json['error'] as { type: string }).type, 'AlreadyExistsException');
  });

  it('createTable writes a v2 metadata.json in the warehouse that S3 Tables points at; load has an ETag and 304', async () => {
    const created = await catalog.createTableResult({ namespace: ['sales'] }, { name: 'orders', schema: TEST_SCHEMA as never, properties: { 'write.format.default': 'parquet' } });
    const metadata = created.metadata as unknown as Record<string, unknown>;
    const table = await tables.send(new GetTableCommand({ tableBucketARN: BUCKET_ARN, namespace: 'sales', name: 'orders' }));
    assert.equal(metadata['format-version'], 2);
    assert.equal(metadata['location'], table.warehouseLocation);
    assert.equal(created['metadata-location'], table.metadataLocation);
    assert.match(String(created['metadata-location']), new RegExp(`^${table.warehouseLocation}/metadata/00001-[0-9a-f-]{36}\\.metadata\\.json$`));
    assert.deepEqual((metadata['schemas'] as Array<{ fields: unknown }>)[0]!.fields, TEST_SCHEMA.fields);
    assert.equal(metadata['last-column-id'], 2);
    assert.deepEqual(metadata['partition-specs'], [{ 'spec-id': 0, fields: [] }]);
    assert.deepEqual(metadata['sort-orders'], [{ 'order-id': 0, fields: [] }]);
    assert.deepEqual(metadata['refs'], {});
    assert.equal(created.config?.['s3.path-style-access'], 'true');
    assert.equal(created.config?.['s3.endpoint'], server.endpoint);
    // The file is a real object in the warehouse bucket.
    const { Bucket, Key } = { Bucket: table.warehouseLocation!.slice(5).split('/')[0]!, Key: String(created['metadata-location']).split('/').slice(3).join('/') };
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: Key }));
    assert.equal(listed.KeyCount, 1);
    const loaded = await catalog.loadTableResult({ namespace: ['sales'], name: 'orders' });
    assert.ok(loaded?.etag);
    assert.equal(await catalog.loadTableResult({ namespace: ['sales'], name: 'orders' }, { ifNoneMatch: loaded.etag }), null);
    assert.equal(await catalog.tableExists({ namespace: ['sales'], name: 'orders' }), true);
    const exists = await call('POST', `${PREFIX}/namespaces/sales/tables`, { name: 'orders', schema: TEST_SCHEMA });
    assert.equal(exists.status, 409);
  });

  it('an engine appends (Parquet, Avro manifests, add-snapshot + set-snapshot-ref) and reads every row back', async () => {
    const rows: Row[] = [{ id: 1n, name: 'ada' }, { id: 2n, name: 'bob' }, { id: 3n, name: 'cy' }];
    const commit = await appendCommit(s3, await tableState('sales', 'orders'), rows, 1001);
    const answer = await catalog.commitTable({ namespace: ['sales'], name: 'orders' }, commit as never);
    assert.equal(answer['metadata-location'], await metadataLocationOf('sales', 'orders'));
    const state = await tableState('sales', 'orders');
    assert.equal(state['current-snapshot-id'], 1001);
    assert.equal(state['last-sequence-number'], 1);
    assert.deepEqual(await readRows(s3, state), rows);
    const log = (state as unknown as { 'metadata-log': Array<{ 'metadata-file': string }> })['metadata-log'];
    assert.equal(log.length, 1);
  });

  it('two writers race on one table: one wins, the other gets 409, retries and lands; no snapshot is lost', async () => {
    const base = await tableState('sales', 'orders');
    const [a, b] = await Promise.all([
      appendCommit(s3, base, [{ id: 10n, name: 'a' }], 2001), appendCommit(s3, base, [{ id: 20n, name: 'b' }], 2002),
    ]);
    const outcomes = await Promise.allSettled([
      catalog.commitTable({ namespace: ['sales'], name: 'orders' }, a as never), catalog.commitTable({ namespace: ['sales'], name: 'orders' }, b as never),
    ]);
    const lost = outcomes.findIndex((outcome) => outcome.status === 'rejected');
    assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
    const reason = (outcomes[lost] as PromiseRejectedResult).reason as IcebergError;
    assert.equal(reason.status, 409);
    assert.equal(reason.icebergType, 'CommitFailedException');
    const retry = await appendCommit(s3, await tableState('sales', 'orders'), [{ id: lost === 0 ? 10n : 20n, name: lost === 0 ? 'a' : 'b' }], 2003);
    await catalog.commitTable({ namespace: ['sales'], name: 'orders' }, retry as never);
    const state = await tableState('sales', 'orders');
    assert.deepEqual(state.snapshots.map((snapshot) => snapshot['snapshot-id']), [1001, lost === 0 ? 2002 : 2001, 2003]);
    const ids = (await readRows(s3, state)).map((row) => Number(row.id)).sort((x, y) => x - y);
    assert.deepEqual(ids, [1, 2, 3, 10, 20]);
  });

  it('bad commits answer their exact error and change nothing', async () => {
    const before = await metadataLocationOf('sales', 'orders');
    const path = tablePath('sales', 'orders');
    const malformed = await call('POST', path, '{"updates": [');
    assert.equal(malformed.status, 400);
    assert.deepEqual(malformed.json, { error: { message: 'Malformed request: the body is not valid JSON', type: 'BadRequestException', code: 400 } });
    const unknown = await call('POST', path, { requirements: [], updates: [{ action: 'make-it-fast' }] });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.json, { error: { message: 'Unknown update action: make-it-fast', type: 'BadRequestException', code: 400 } });
    const unknownRequirement = await call('POST', path, { requirements: [{ type: 'assert-luck' }], updates: [] });
    assert.equal(unknownRequirement.status, 400);
    const stale = await call('POST', path, {
      requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 1001 }], updates: [{ action: 'set-properties', updates: { a: 'b' } }],
    });
    assert.equal(stale.status, 409);
    assert.equal((stale.json['error'] as { type: string }).type, 'CommitFailedException');
    for (const [type, field, value] of [['assert-current-schema-id', 'current-schema-id', 5], ['assert-last-assigned-field-id', 'last-assigned-field-id', 9],
      ['assert-default-spec-id', 'default-spec-id', 3], ['assert-default-sort-order-id', 'default-sort-order-id', 2],
      ['assert-last-assigned-partition-id', 'last-assigned-partition-id', 1], ['assert-table-uuid', 'uuid', 'x'], ['assert-create', 'x', 0]] as const) {
      const failed = await call('POST', path, { requirements: [{ type, [field]: value }], updates: [] });
      assert.equal(failed.status, 409, type);
    }
    const outside = await call('POST', path, { requirements: [], updates: [{ action: 'set-location', location: 's3://elsewhere/t' }] });
    assert.equal(outside.status, 400);
    assert.equal(await metadataLocationOf('sales', 'orders'), before);
    const missing = await call('POST', tablePath('sales', 'nothere'), { requirements: [], updates: [] });
    assert.equal(missing.status, 404);
    assert.equal((missing.json['error'] as { type: string }).type, 'NoSuchTableException');
  });

  it('keeps int64 snapshot ids beyond 2^53 exactly (engines draw them from the whole range)', async () => {
    await catalog.createTable({ namespace: ['sales'] }, { name: 'wide', schema: TEST_SCHEMA as never });
    const url = `${server.endpoint}/_iceberg/v1/${tablePath('sales', 'wide')}`;
    const post = (text: string) => fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: text });
    const id = '5123456789012345678';
    const list = 's3://x/y.avro';
    const added = await post(`{"requirements":[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":null}],"updates":[{"action":"add-snapshot","snapshot":{"snapshot-id":${id},"timestamp-ms":1,"manifest-list":"${list}"}},{"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":${id}}]}`);
    assert.equal(added.status, 200);
    const loaded = await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).text();
    assert.match(loaded, new RegExp(`"current-snapshot-id":${id}[,}]`));
    const offByOne = await post(`{"requirements":[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":5123456789012345679}],"updates":[]}`);
    assert.equal(offByOne.status, 409);
    const exact = await post(`{"requirements":[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":${id}}],"updates":[{"action":"set-properties","updates":{"k":"v"}}]}`);
    assert.equal(exact.status, 200);
    await catalog.dropTable({ namespace: ['sales'], name: 'wide' }, { purge: true });
  });

  it('dropping a non-empty namespace is 409 NamespaceNotEmptyException and keeps it', async () => {
    const refused = await call('DELETE', `${PREFIX}/namespaces/sales`);
    assert.equal(refused.status, 409);
    assert.equal((refused.json['error'] as { type: string }).type, 'NamespaceNotEmptyException');
    assert.equal(await catalog.namespaceExists({ namespace: ['sales'] }), true);
  });

  it('transactions commit several tables atomically: all or nothing', async () => {
    await catalog.createTable({ namespace: ['sales'] }, { name: 'items', schema: TEST_SCHEMA as never });
    const ordersBefore = await metadataLocationOf('sales', 'orders');
    const itemsBefore = await metadataLocationOf('sales', 'items');
    const change = (name: string, requirements: object[]) => ({
      identifier: { namespace: ['sales'], name }, requirements, updates: [{ action: 'set-properties', updates: { batch: '1' } }],
    });
    const refused = await call('POST', `${PREFIX}/transactions/commit`, {
      'table-changes': [change('items', []), change('orders', [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 1 }])],
    });
    assert.equal(refused.status, 409);
    assert.equal(await metadataLocationOf('sales', 'orders'), ordersBefore);
    assert.equal(await metadataLocationOf('sales', 'items'), itemsBefore);
    const done = await call('POST', `${PREFIX}/transactions/commit`, { 'table-changes': [change('items', []), change('orders', [])] });
    assert.equal(done.status, 204);
    for (const name of ['items', 'orders']) {
      const metadata = await catalog.loadTable({ namespace: ['sales'], name }) as unknown as { properties: Record<string, string> };
      assert.equal(metadata.properties['batch'], '1');
    }
  });

  it('an Idempotency-Key retry gets the first answer', async () => {
    const key = '01a24dc3-5872-7367-a40d-762057be287b';
    const first = await call('POST', `${PREFIX}/namespaces`, { namespace: ['once'] }, { 'idempotency-key': key });
    assert.equal(first.status, 200);
    // Several retries, so they reach every worker process of the server: the answers are shared.
    for (let attempt = 0; attempt < 4; attempt++) {
      const retry = await call('POST', `${PREFIX}/namespaces`, { namespace: ['once'] }, { 'idempotency-key': key });
      assert.equal(retry.status, 200);
      assert.deepEqual(retry.json, first.json);
    }
    const fresh = await call('POST', `${PREFIX}/namespaces`, { namespace: ['once'] }, { 'idempotency-key': `${key}-2` });
    assert.equal(fresh.status, 409);
  });

  it('stage-create then a create commit; rename; register; drop with and without purge; metrics', async () => {
    const staged = await call('POST', `${PREFIX}/namespaces/once/tables`, { name: 'staged', schema: TEST_SCHEMA, 'stage-create': true });
    assert.equal(staged.status, 200);
    assert.equal(staged.json['metadata-location'], undefined);
    assert.equal(await catalog.tableExists({ namespace: ['once'], name: 'staged' }), false);
    const m = staged.json['metadata'] as Record<string, unknown>;
    const create = await call('POST', tablePath('once', 'staged'), {
      requirements: [{ type: 'assert-create' }],
      updates: [{ action: 'assign-uuid', uuid: m['table-uuid'] }, { action: 'upgrade-format-version', 'format-version': 2 },
        { action: 'add-schema', schema: TEST_SCHEMA, 'last-column-id': 2 }, { action: 'set-current-schema', 'schema-id': -1 },
        { action: 'add-spec', spec: { 'spec-id': 0, fields: [] } }, { action: 'set-default-spec', 'spec-id': -1 },
        { action: 'add-sort-order', 'sort-order': { 'order-id': 0, fields: [] } }, { action: 'set-default-sort-order', 'sort-order-id': -1 },
        { action: 'set-location', location: m['location'] }],
    });
    assert.equal(create.status, 200);
    assert.equal(await catalog.tableExists({ namespace: ['once'], name: 'staged' }), true);
    await catalog.renameTable({ source: { namespace: ['once'], name: 'staged' }, destination: { namespace: ['once'], name: 'moved' } });
    const location = await metadataLocationOf('once', 'moved');
    assert.equal((await call('POST', `${tablePath('once', 'moved')}/metrics`, { 'report-type': 'commit-report' })).status, 204);
    await catalog.dropTable({ namespace: ['once'], name: 'moved' });
    const registered = await catalog.registerTable({ namespace: ['once'] }, { name: 'again', 'metadata-location': location! });
    assert.equal(registered['table-uuid'], m['table-uuid']);
    const [Bucket, ...rest] = location!.slice(5).split('/');
    const prefix = `${rest[0]}/`;
    assert.ok(((await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }))).KeyCount ?? 0) > 0);
    await catalog.dropTable({ namespace: ['once'], name: 'again' }, { purge: true });
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }))).KeyCount, 0);
  });

  it('signs with SigV4 for s3tables at /iceberg/v1/, and authorizes users through IAM', async () => {
    const signed = new IcebergRestCatalog({ baseUrl: `${server.endpoint}/iceberg`, warehouse: BUCKET_ARN, fetch: sigv4Fetch(ROOT_KEYS) });
    assert.deepEqual((await signed.listTables({ namespace: ['sales'] })).identifiers.map((id) => id.name), ['items', 'orders']);
    const user = await createUser(server, 'reader');
    const userToken = ((await (await tokenFor(server, user)).json()) as { access_token: string }).access_token;
    const asUser = new IcebergRestCatalog({ baseUrl: `${server.endpoint}/_iceberg`, warehouse: BUCKET, auth: { type: 'bearer', token: userToken } });
    await assert.rejects(asUser.createNamespace({ namespace: ['denied'] }), (error: IcebergError) => error.status === 403 && error.icebergType === 'ForbiddenException');
    // The catalog authorizes with s3tables actions: ListTables on the table bucket's ARN.
    const readTables = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3tables:ListTables', 's3tables:GetTableBucket'], Resource: BUCKET_ARN }] });
    const set = await cairnAdmin(server, ['user', 'set-policy', 'reader', '-'], readTables);
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await asUser.listTables({ namespace: ['sales'] })).identifiers.length, 2);
    await assert.rejects(asUser.createNamespace({ namespace: ['denied'] }), (error: IcebergError) => error.status === 403 && error.icebergType === 'ForbiddenException');
    assert.equal(await catalog.namespaceExists({ namespace: ['denied'] }), false);
  });
});
