// S3 Tables and the registry on the PostgreSQL index with several front ends: two servers share one
// database and one data directory. Writers racing through both on one table's version token (the
// compare-and-set behind UpdateTableMetadataLocation and the Iceberg commit) see exactly one winner,
// the others 409, and the table ends at the winner's metadata file and token; pushes racing to move
// an immutable tag see one winner, the others TAG_INVALID, and the tag names the winner's manifest.
// Each test makes and drops its database, whatever engine the rest of the suite runs on.
import {
  CreateNamespaceCommand, CreateTableBucketCommand, CreateTableCommand, GetTableMetadataLocationCommand, UpdateTableMetadataLocationCommand,
  type S3TablesClient,
} from '@aws-sdk/client-s3tables';
import { CreateRepositoryCommand, ECRClient, PutImageTagMutabilityCommand } from '@aws-sdk/client-ecr';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { createTestDatabase, dropTestDatabase } from './helpers/postgres.js';
import { digestOf, OCI_MANIFEST } from './helpers/oci-images.js';
import { ociError, pushBlob, pushManifest, registryFetch } from './helpers/registry-client.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, temporaryDirectory, type RunningServer } from './helpers/server.js';
import { tablesClient } from './helpers/tables.js';

/** Racing writers per test, alternating between the two servers. */
const RACERS = 8;

describe('PostgreSQL index, two front ends', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function twoServers(): Promise<Array<{ server: RunningServer; tables: S3TablesClient }>> {
    const url = await createTestDatabase();
    cleanups.push(() => dropTestDatabase(url));
    const dataDirectory = temporaryDirectory('pg-tables');
    cleanups.push(async () => rmSync(dataDirectory, { recursive: true, force: true }));
    const servers = [];
    for (let count = 0; count < 2; count++) {
      const server = await startServer({ dataDirectory, extraArgs: ['--index', url, '--workers', '1'] });
      const tables = tablesClient(server);
      cleanups.push(async () => {
        tables.destroy();
        await server.kill();
      });
      servers.push({ server, tables });
    }
    return servers;
  }

  it('of writers racing on one version token through both servers, exactly one moves the metadata location', async () => {
    const [first, second] = await twoServers();
    const { arn: tableBucketARN } = await first!.tables.send(new CreateTableBucketCommand({ name: 'shared-lake' }));
    await first!.tables.send(new CreateNamespaceCommand({ tableBucketARN, namespace: ['sales'] }));
    await second!.tables.send(new CreateTableCommand({ tableBucketARN, namespace: 'sales', name: 'orders', format: 'ICEBERG' }));
    const start = await first!.tables.send(new GetTableMetadataLocationCommand({ tableBucketARN, namespace: 'sales', name: 'orders' }));
    const location = (racer: number) => `${start.warehouseLocation}/metadata/00001-racer-${racer}.metadata.json`;
    const race = await Promise.allSettled(Array.from({ length: RACERS }, (_, racer) => (racer % 2 === 0 ? first! : second!).tables.send(
      new UpdateTableMetadataLocationCommand({ tableBucketARN, namespace: 'sales', name: 'orders', metadataLocation: location(racer), versionToken: start.versionToken }),
    )));
    const won = race.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const lost = race.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as Error & { $metadata: { httpStatusCode: number } }] : []));
    assert.equal(won.length, 1, `winners: ${won.length}`);
    assert.deepEqual(lost.map((error) => [error.name, error.$metadata.httpStatusCode]), Array(RACERS - 1).fill(['ConflictException', 409]));
    for (const { tables } of [first!, second!]) {
      const now = await tables.send(new GetTableMetadataLocationCommand({ tableBucketARN, namespace: 'sales', name: 'orders' }));
      assert.deepEqual({ token: now.versionToken, metadata: now.metadataLocation }, { token: won[0]!.versionToken, metadata: won[0]!.metadataLocation });
    }
  });

  it('of pushes racing to move an immutable tag through both servers, exactly one lands', async () => {
    const servers = await twoServers();
    const ecr = new ECRClient({ endpoint: servers[0]!.server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    cleanups.push(async () => ecr.destroy());
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'shared/fixed' }));
    await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'shared/fixed', imageTagMutability: 'IMMUTABLE' }));
    const serverOf = (racer: number) => servers[racer % 2]!.server;
    const manifests = await Promise.all(Array.from({ length: RACERS }, async (_, racer) => {
      const config = Buffer.from(`{"racer":${racer}}`);
      assert.equal((await pushBlob(serverOf(racer), 'shared/fixed', digestOf(config), config)).status, 201);
      return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [],
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.byteLength } }));
    }));
    const answers = await Promise.all(manifests.map((bytes, racer) => pushManifest(serverOf(racer), 'shared/fixed', 'release', bytes, OCI_MANIFEST)));
    const won = answers.flatMap((answer, racer) => (answer.status === 201 ? [racer] : []));
    assert.equal(won.length, 1, `statuses ${answers.map((answer) => answer.status).join(',')}`);
    assert.deepEqual(answers.filter((answer) => answer.status !== 201).map((answer) => [answer.status, ociError(answer).code]), Array(RACERS - 1).fill([400, 'TAG_INVALID']));
    for (const { server } of servers) {
      const tagged = await registryFetch(server, 'GET', '/v2/shared/fixed/manifests/release');
      assert.deepEqual([tagged.status, tagged.headers.get('docker-content-digest')], [200, digestOf(manifests[won[0]!]!)]);
    }
  });
});
