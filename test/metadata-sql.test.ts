// SQL over the metadata tables: `cairn sql` in its three output formats, the names a table answers
// to, and every way a query is refused (bad SQL, unknown table, anything but one SELECT, file access,
// no credentials, time and row limits) with a clear message and the server still serving.
import { CreateBucketCommand, CreateBucketMetadataConfigurationCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse } from './helpers/assertions.js';
import { sql, sqlCommand, sqlRequest } from './helpers/metadata.js';
import { rawRequest, sdkClient } from './helpers/clients.js';
import { startServer, type RunningServer } from './helpers/server.js';
import { closeSuite } from './helpers/suite.js';

const Bucket = 'sql-bucket-1';
/** The server's query time limit in this suite (CAIRN_METADATA_QUERY_TIME_MS). */
const QUERY_TIME_MS = 1500;

describe('SQL over S3 Metadata tables', () => {
  let server: RunningServer;
  let s3: S3Client;

  before(async () => {
    server = await startServer({ env: { CAIRN_METADATA_QUERY_TIME_MS: String(QUERY_TIME_MS) } });
    s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new CreateBucketMetadataConfigurationCommand({ Bucket, MetadataConfiguration: {
      JournalTableConfiguration: { RecordExpiration: { Expiration: 'DISABLED' } },
    } }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'a,b "quoted".txt', Body: 'abc', Metadata: { color: 'blue' }, Tagging: 'team=core' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'plain.txt', Body: '' }));
  });
  after(() => closeSuite(server, s3));

  it('prints a table, CSV and JSON', async () => {
    const query = `SELECT key, size, object_tags, version_id FROM journal."${Bucket}" ORDER BY key`;
    const table = await sqlCommand(server, query, 'table');
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stdout, [
      'key              | size | object_tags     | version_id',
      '-----------------+------+-----------------+-----------',
      'a,b "quoted".txt | 3    | {"team":"core"} | NULL',
      'plain.txt        | 0    | {}              | NULL',
      '(2 rows)',
      '',
    ].join('\n'));
    const csv = await sqlCommand(server, query, 'csv');
    assert.equal(csv.stdout, 'key,size,object_tags,version_id\n"a,b ""quoted"".txt",3,"{""team"":""core""}",\nplain.txt,0,{},\n');
    assert.deepEqual(await sql(server, query), [
      { key: 'a,b "quoted".txt', size: 3, object_tags: { team: 'core' }, version_id: null },
      { key: 'plain.txt', size: 0, object_tags: {}, version_id: null },
    ]);
  });

  it('answers to journal."<bucket>", AWS\'s namespace, and AWS\'s Athena names', async () => {
    const count = async (table: string) => (await sql(server, `SELECT count(*) AS n FROM ${table}`))[0]!['n'];
    assert.equal(await count(`journal."${Bucket}"`), 2);
    assert.equal(await count(`"b_${Bucket}".journal`), 2);
    assert.equal(await count(`"s3tablescatalog/aws-s3"."b_${Bucket}"."journal"`), 2);
    const columns = await sql(server, `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM journal."${Bucket}")`);
    assert.deepEqual(columns.map((column) => `${column['column_name']} ${column['column_type']}`), [
      'bucket VARCHAR', 'key VARCHAR', 'sequence_number VARCHAR', 'record_type VARCHAR', 'record_timestamp TIMESTAMP', 'version_id VARCHAR',
      'is_delete_marker BOOLEAN', 'size BIGINT', 'last_modified_date TIMESTAMP', 'e_tag VARCHAR', 'storage_class VARCHAR', 'is_multipart BOOLEAN',
      'encryption_status VARCHAR', 'is_bucket_key_enabled BOOLEAN', 'kms_key_arn VARCHAR', 'checksum_algorithm VARCHAR',
      'object_tags MAP(VARCHAR, VARCHAR)', 'user_metadata MAP(VARCHAR, VARCHAR)', 'requester VARCHAR', 'source_ip_address VARCHAR', 'request_id VARCHAR',
    ]);
  });

  it('refuses what is not one read-only query, with a clear message', async () => {
    const refusals: Array<[query: string, message: RegExp]> = [
      ['SELEC key FROM t', /^InvalidQuery: Parser Error: syntax error at or near "SELEC"/],
      ['SELECT * FROM journal."no-such-bucket"', /^InvalidQuery: Catalog Error: Table with name no-such-bucket does not exist/],
      [`SELECT nope FROM journal."${Bucket}"`, /^InvalidQuery: Binder Error: Referenced column "nope" not found/],
      ['SELECT 1; SELECT 2', /^InvalidQuery: Send exactly one statement \(this text has 2\)\./],
      [`CREATE TABLE x AS SELECT * FROM journal."${Bucket}"`, /^InvalidQuery: Only a read-only query/],
      [`COPY (SELECT * FROM journal."${Bucket}") TO '/tmp/cairn-stolen.csv'`, /^InvalidQuery: Only a read-only query/],
      ["ATTACH '/tmp/x.db' AS x", /^InvalidQuery: Only a read-only query/],
      ["SET threads = 64", /^InvalidQuery: Only a read-only query/],
      ["SELECT * FROM read_csv('/etc/passwd')", /^InvalidQuery: Permission Error: Cannot access file "\/etc\/passwd"/],
      ["SELECT * FROM '/etc/passwd'", /^InvalidQuery: Catalog Error: Table with name \/etc\/passwd does not exist/],
      ['   ', /^InvalidQuery: The query is empty\./],
    ];
    for (const [query, message] of refusals) {
      const result = await sqlCommand(server, query, 'json');
      assert.equal(result.code, 1, `${query}: ${result.stdout}`);
      assert.match(result.stderr, new RegExp(`^cairn sql: ${message.source.slice(1)}`), query);
    }
    assert.equal((await sql(server, 'SELECT 42 AS answer'))[0]!['answer'], 42);
  });

  it('stops a query at its time limit and returns at most the row limit', async () => {
    const slow = await sqlRequest(server, JSON.stringify({ sql: 'SELECT count(*) FROM range(10000000000) t(x) WHERE x % 7 = 123456789' }));
    assert.equal(slow.status, 400);
    assert.deepEqual(slow.json?.error, { code: 'QueryTimeout', message: `The query ran longer than ${QUERY_TIME_MS / 1000} s and was stopped.` });
    const many = await sqlRequest(server, JSON.stringify({ sql: 'SELECT x FROM range(25000) t(x)' }));
    assert.equal(many.status, 200);
    assert.equal(many.json?.rows?.length, 10_000);
    assert.equal(many.json?.truncated, true);
  });

  it('needs credentials and a JSON body', async () => {
    const anonymous = await sqlRequest(server, JSON.stringify({ sql: 'SELECT 1' }), 'none');
    expectErrorResponse(anonymous, 403, 'AccessDenied');
    const notJson = await sqlRequest(server, 'SELECT 1');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json?.error?.code, 'InvalidQuery');
    const tooLong = await sqlRequest(server, JSON.stringify({ sql: `SELECT '${'x'.repeat(70_000)}'` }));
    assert.equal(tooLong.status, 400);
    const getMethod = await rawRequest(server, { method: 'GET', path: '/_cairn/sql' });
    expectErrorResponse(getMethod, 405, 'MethodNotAllowed');
  });
});
