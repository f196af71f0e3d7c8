// The web console in a real browser (Debian's Chromium through playwright-core) against a real
// server over four drives: log in, upload 20 MiB with a moving progress bar (bytes checked with the
// SDK), restore an old version, a refused bucket policy showing the server's own message, a SQL
// query's result table, a failed drive shown failed, a user without rights seeing AccessDenied,
// logout; and the session's guards: HttpOnly SameSite=Strict cookie, CSRF header, Origin, CSP.
import {
  CreateMultipartUploadCommand, UploadPartCommand, GetBucketPolicyCommand, GetObjectCommand, ListObjectsV2Command, HeadObjectCommand, ListObjectVersionsCommand, PutBucketPolicyCommand, PutBucketVersioningCommand, PutObjectCommand,
} from '@aws-sdk/client-s3';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateNamespaceCommand, CreateTableBucketCommand, CreateTableCommand, S3TablesClient } from '@aws-sdk/client-s3tables';
import { GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, S3ServiceException } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { closeDriveSet, openDriveSet, type DriveSetServer } from './helpers/drive-set.js';
import { CHROMIUM_PATH, CONSOLE_STEP_TIMEOUT_MS, consoleFetch, consoleUrl, launchChromium, logIn, screenshot } from './helpers/console.js';
import { injectFault, stopFault } from './helpers/faults.js';
import { createUser, userClient, type UserKeys } from './helpers/iam.js';
import { digestOf, OCI_MANIFEST } from './helpers/oci-images.js';
import { pushBlob, pushManifest } from './helpers/registry-client.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY } from './helpers/server.js';

const Bucket = 'console-bucket';
const UPLOAD_SIZE_BYTES = 20 * 1024 * 1024;
/** Over the console's multipart threshold (8 MiB): parts of 5, 5 and 2 MiB. */
const RESUMED_SIZE_BYTES = 12 * 1024 * 1024;
const PART_SIZE_BYTES = 5 * 1024 * 1024;
const RESUMED_MTIME_SECONDS = 1_700_000_000;
const unavailable = existsSync(CHROMIUM_PATH) ? false : `${CHROMIUM_PATH} is missing (apt-get install chromium)`;

async function bodyOf(set: DriveSetServer, key: string, versionId?: string): Promise<Buffer> {
  const answer = await set.s3.send(new GetObjectCommand({ Bucket, Key: key, VersionId: versionId }));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

describe('the web console', { skip: unavailable }, () => {
  let set: DriveSetServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let reader: UserKeys;

  before(async () => {
    set = await openDriveSet('console', 4, 1, Bucket);
    await set.s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    reader = await createUser(set.server, 'reader');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(CONSOLE_STEP_TIMEOUT_MS);
  });
  after(async () => {
    await browser?.close();
    if (set !== undefined) await closeDriveSet(set);
  });

  it('serves the page with a strict CSP, no inline script, X-Frame-Options DENY, and hashed assets', async () => {
    const response = await fetch(consoleUrl(set.server));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-security-policy')!, /^default-src 'self'; script-src 'self'; style-src 'self';/);
    assert.match(response.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    const html = await response.text();
    const script = /<script type="module" src="(assets\/app-[A-Z0-9]{8}\.js)"><\/script>/.exec(html);
    assert.ok(script, html);
    assert.doesNotMatch(html.replace(script[0], ''), /<script/);
    const asset = await fetch(`${consoleUrl(set.server)}${script[1]}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await fetch(`${consoleUrl(set.server)}assets/app-NOSUCHAA.js`)).status, 404);
  });

  it('refuses a wrong secret with its message, then logs in: the cookie is HttpOnly, SameSite=Strict, Path=/_cairn/console', async () => {
    await logIn(page, set.server, TEST_ACCESS_KEY, 'wrong-secret');
    await page.getByText('InvalidCredentials: The access key id or the secret is not valid (or the key is disabled).').waitFor();
    await screenshot(page, 'login');
    assert.deepEqual(await context.cookies(), []);
    await page.fill('#secret-access-key', TEST_SECRET_KEY);
    await page.click('#login-button');
    await page.locator('#logout-button').waitFor();
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1);
    assert.equal(cookies[0]!.name, 'cairn_console');
    assert.equal(cookies[0]!.httpOnly, true);
    assert.equal(cookies[0]!.sameSite, 'Strict');
    assert.equal(cookies[0]!.path, '/_cairn/console');
    assert.equal(await page.evaluate(() => document.cookie), '');
  });

  it('uploads 20 MiB by the file picker: the progress bar passes through intermediate values; the bytes are right', async () => {
    const body = randomBytes(UPLOAD_SIZE_BYTES);
    await page.locator('#upload-input').waitFor();
    // Every text the percentage shows, as the page renders it.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenPercents: string[] }).seenPercents = seen;
      new MutationObserver(() => {
        const text = document.getElementById('upload-percent')?.textContent;
        if (text !== undefined && text !== null && seen[seen.length - 1] !== text) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    // From a file on disk: the browser reads it itself (a 20 MiB buffer through the protocol is slow).
    const file = join(set.root, 'big.bin');
    writeFileSync(file, body);
    await page.setInputFiles('#upload-input', file);
    await page.getByText('Upload complete.').waitFor({ timeout: 60_000 });
    await screenshot(page, 'objects');
    const percents = (await page.evaluate(() => (window as unknown as { seenPercents: string[] }).seenPercents)).map((text) => Number(/(\d+)%$/.exec(text)![1]));
    const intermediate = percents.filter((percent) => percent > 0 && percent < 100);
    assert.ok(intermediate.length >= 3, `progress seen: ${percents.join(', ')}`);
    assert.deepEqual([...percents].sort((a, b) => a - b), percents, 'progress never goes back');
    assert.equal(percents[percents.length - 1], 100);
    const stored = await bodyOf(set, 'big.bin');
    assert.equal(stored.byteLength, UPLOAD_SIZE_BYTES);
    assert.equal(createHash('sha256').update(stored).digest('hex'), createHash('sha256').update(body).digest('hex'));
    // Uploaded as multipart (the file is over the console's threshold): a multipart ETag.
    assert.match((await set.s3.send(new HeadObjectCommand({ Bucket, Key: 'big.bin' }))).ETag!, /-4"$/);
    await page.getByRole('button', { name: 'big.bin' }).waitFor();
  });

  it('continues a multipart upload the page remembered (after a reload) with ListParts', async () => {
    const body = randomBytes(RESUMED_SIZE_BYTES);
    const file = join(set.root, 'resumed.bin');
    writeFileSync(file, body);
    // A whole second, so the page's File.lastModified is exactly this.
    utimesSync(file, RESUMED_MTIME_SECONDS, RESUMED_MTIME_SECONDS);
    const { UploadId } = await set.s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'resumed.bin' }));
    for (const PartNumber of [1, 2]) {
      const part = body.subarray((PartNumber - 1) * PART_SIZE_BYTES, PartNumber * PART_SIZE_BYTES);
      await set.s3.send(new UploadPartCommand({ Bucket, Key: 'resumed.bin', UploadId, PartNumber, Body: part }));
    }
    const resumeKey = `cairn-upload:${Bucket}/resumed.bin:${RESUMED_SIZE_BYTES}:${RESUMED_MTIME_SECONDS * 1000}`;
    await page.evaluate(([name, uploadId]) => localStorage.setItem(name!, JSON.stringify({ uploadId })), [resumeKey, UploadId]);
    await page.reload();
    await page.locator('#upload-input').waitFor();
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenPercents: string[] }).seenPercents = seen;
      new MutationObserver(() => {
        const text = document.getElementById('upload-percent')?.textContent;
        if (text !== undefined && text !== null && seen[seen.length - 1] !== text) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.setInputFiles('#upload-input', file);
    await page.getByText('Upload complete.').waitFor({ timeout: 60_000 });
    const percents = (await page.evaluate(() => (window as unknown as { seenPercents: string[] }).seenPercents)).map((text) => Number(/(\d+)%$/.exec(text)![1]));
    // After the bar's reset to 0 it jumps to where the two parts already sent end (10 of 12 MiB).
    assert.deepEqual(percents.filter((percent) => percent > 0 && percent < 83), [], `progress seen: ${percents.join(', ')}`);
    assert.ok(percents.includes(83), `progress seen: ${percents.join(', ')}`);
    assert.ok((await bodyOf(set, 'resumed.bin')).equals(body));
    assert.match((await set.s3.send(new HeadObjectCommand({ Bucket, Key: 'resumed.bin' }))).ETag!, /-3"$/);
    assert.equal(await page.evaluate((name) => localStorage.getItem(name), resumeKey), null);
  });

  it('lists versions and restores an old one as current', async () => {
    const first = await set.s3.send(new PutObjectCommand({ Bucket, Key: 'doc.txt', Body: 'first version', ContentType: 'text/plain' }));
    await set.s3.send(new PutObjectCommand({ Bucket, Key: 'doc.txt', Body: 'second version', ContentType: 'text/plain' }));
    await page.getByRole('button', { name: 'Refresh' }).nth(1).click();
    await page.getByRole('button', { name: 'doc.txt' }).click();
    await page.locator('pre.preview.text', { hasText: 'second version' }).waitFor();
    const row = page.locator(`#versions-table tr[data-version="${first.VersionId}"]`);
    await row.getByRole('button', { name: 'Restore' }).click();
    await page.getByText(`Restored version ${first.VersionId} as the current version.`).waitFor();
    await screenshot(page, 'object-versions');
    assert.equal((await bodyOf(set, 'doc.txt')).toString(), 'first version');
    const versions = await set.s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'doc.txt' }));
    assert.equal(versions.Versions!.length, 3);
    assert.equal(await page.locator('#versions-table tbody tr').count(), 3);
  });

  it('a bad bucket policy is refused with the server message shown in the page, and nothing is stored', async () => {
    const bad = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Resource":"arn:aws:s3:::console-bucket/*"}]}';
    const refused = await set.s3.send(new PutBucketPolicyCommand({ Bucket, Policy: bad })).then(() => undefined, (error: Error & { Code?: string }) => error);
    assert.ok(refused !== undefined);
    await page.click('#tab-settings');
    const editor = page.locator('[data-document="policy"]');
    await editor.getByText('NoSuchBucketPolicy: not set; an example is filled in.').waitFor();
    await editor.locator('textarea').fill(bad);
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.locator('.error').waitFor();
    assert.equal(await editor.locator('.error').textContent(), `${refused.name}: ${refused.message}`);
    await screenshot(page, 'bucket-settings');
    await assert.rejects(set.s3.send(new GetBucketPolicyCommand({ Bucket })), { name: 'NoSuchBucketPolicy' });
  });

  it('runs a SQL query and shows the result table', async () => {
    await page.fill('#sql-text', "SELECT 42 AS answer, 'cairn' AS name");
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('#sql-result').waitFor();
    assert.deepEqual(await page.locator('#sql-result th').allTextContents(), ['answer', 'name']);
    assert.deepEqual(await page.locator('#sql-result td').allTextContents(), ['42', 'cairn']);
    await screenshot(page, 'sql');
  });

  it('a drive failed through the fault API shows failed in the drive view', async () => {
    await page.click('#tab-operations');
    await page.locator('#drives-table tr[data-drive="2"]', { hasText: 'online' }).waitFor();
    const faultId = await injectFault(set.server, { drive: 2, action: 'fail', durationSeconds: 60 });
    await page.locator('#drives-table tr[data-drive="2"]', { hasText: 'failed (offline)' }).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#drives-table tr[data-drive="1"] td').nth(2).textContent(), 'online');
    // The erasure-set layout of 4 drives: STANDARD 2+2 (write quorum 3), reduced redundancy 1+1.
    assert.equal(await page.locator('#layout caption').textContent(), 'Erasure set: drives 1, 2, 3, 4');
    assert.deepEqual(await page.locator('#layout tbody td').allTextContents(),
      ['STANDARD and every other class', '2', '2', '3', 'REDUCED_REDUNDANCY, EXPRESS_ONEZONE', '1', '1', '2']);
    // The request charts: the page's own polling makes requests, so the rate turns positive after two polls.
    await page.waitForFunction(() => Number(document.querySelector('#request-charts figcaption')?.textContent?.split(': ')[1]) > 0, undefined, { timeout: 20_000 });
    const captions = await page.locator('#request-charts figcaption').allTextContents();
    assert.deepEqual(captions.map((caption) => caption.split(': ')[0]),
      ['requests/s', 'errors/s (4xx+5xx)', 'latency p50 (ms)', 'latency p99 (ms)', 'received KiB/s', 'sent KiB/s']);
    for (const caption of captions) assert.match(caption, /: \d+(\.\d+)?$/);
    // Each poll receives a metrics text of several KiB: the sent-bytes chart is above zero.
    assert.ok(Number(captions[5]!.split(': ')[1]) > 0, captions[5]);
    // The live request log shows the fault injection made above (POST /_cairn/admin/faults, 201) among its rows.
    await page.locator('#request-log tbody tr', { hasText: '/_cairn/admin/faults' }).filter({ hasText: 'POST' }).first().waitFor({ timeout: 20_000 });
    const logged = await page.locator('#request-log tbody tr', { hasText: '/_cairn/admin/faults' }).filter({ hasText: 'POST' }).first().locator('td').allTextContents();
    assert.deepEqual(logged.slice(1, 5), ['cairn', 'POST', '/_cairn/admin/faults', '201']);
    await screenshot(page, 'operations');
    await stopFault(set.server, faultId);
  });

  it('the identity view lists users', async () => {
    await page.click('#tab-identity');
    await page.getByRole('heading', { name: 'reader' }).waitFor();
    await screenshot(page, 'identity');
  });

  it('the Tables view lists table buckets, namespaces and tables with their metadata location', async () => {
    const tables = new S3TablesClient({ endpoint: set.server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    const { arn } = await tables.send(new CreateTableBucketCommand({ name: 'console-tables' }));
    await tables.send(new CreateNamespaceCommand({ tableBucketARN: arn, namespace: ['sales'] }));
    await tables.send(new CreateTableCommand({ tableBucketARN: arn, namespace: 'sales', name: 'orders', format: 'ICEBERG' }));
    tables.destroy();
    await page.click('#tab-tables');
    const row = page.locator('[data-table-bucket="console-tables"] [data-namespace="sales"] tr[data-table="orders"]');
    await row.waitFor();
    await page.locator('[data-table-bucket="console-tables"] .arn', { hasText: arn! }).waitFor();
    await row.locator('.metadata-location', { hasText: /^(s3:\/\/.+\.metadata\.json|\(none yet\))$/ }).waitFor();
    await screenshot(page, 'tables');
  });

  it('the Registry view lists repositories with their images', async () => {
    const ecr = new ECRClient({ endpoint: set.server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    const created = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'console/app' }));
    ecr.destroy();
    await page.click('#tab-registry');
    const repository = page.locator('[data-repository="console/app"]');
    await repository.locator('.uri', { hasText: created.repository!.repositoryUri! }).waitFor();
    await repository.getByText('No images.').waitFor();
    // One image (a config blob and a manifest) pushed over the registry API, tagged v1.
    const config = Buffer.from('{}');
    assert.equal((await pushBlob(set.server, 'console/app', digestOf(config), config)).status, 201);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.byteLength }, layers: [] }));
    assert.equal((await pushManifest(set.server, 'console/app', 'v1', manifest, OCI_MANIFEST)).status, 201);
    await page.getByRole('button', { name: 'Refresh' }).click();
    const row = repository.locator(`tr[data-digest="${digestOf(manifest)}"]`);
    await row.waitFor();
    assert.deepEqual((await row.locator('td').allTextContents()).slice(0, 2), ['v1', digestOf(manifest)]);
    assert.match((await row.locator('td').nth(2).textContent())!, /^\d+(\.\d)? (B|KiB)$/);
    await screenshot(page, 'registry');
  });

  it('the notification editor refuses an unknown target ARN with the server message, and nothing is stored', async () => {
    const unknownTarget = { QueueConfigurations: [{ Id: 'to-nobody', QueueArn: 'arn:aws:sqs:us-east-1:000000000000:nobody', Events: ['s3:ObjectCreated:*' as const] }] };
    const refused = await set.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: unknownTarget })).then(() => undefined, (error: S3ServiceException) => error);
    assert.equal(refused?.name, 'InvalidArgument');
    await page.click('#tab-settings');
    const editor = page.locator('[data-document="notification"]');
    // The stored (empty) configuration loads first; fill after it, or the load overwrites the text.
    await page.waitForFunction(() => (document.getElementById('doc-notification') as HTMLTextAreaElement | null)?.value.includes('NotificationConfiguration') === true);
    await editor.locator('textarea').fill('<NotificationConfiguration><QueueConfiguration><Id>to-nobody</Id><Queue>arn:aws:sqs:us-east-1:000000000000:nobody</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.locator('.error').waitFor();
    assert.equal(await editor.locator('.error').textContent(), `InvalidArgument: ${refused.message}`);
    await screenshot(page, 'notifications');
    const stored = await set.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }));
    assert.deepEqual([stored.QueueConfigurations, stored.TopicConfigurations, stored.LambdaFunctionConfigurations], [undefined, undefined, undefined]);
  });

  it('CSRF: a proxy POST without the header, or from another Origin, is refused and writes nothing', async () => {
    const status = await page.evaluate(async (bucket) => (await fetch(`/_cairn/console/api/s3/${bucket}/csrf-probe`, { method: 'PUT', body: 'x' })).status, Bucket);
    assert.equal(status, 403);
    const cookie = (await context.cookies()).map((entry) => `${entry.name}=${entry.value}`).join('; ');
    const session = await consoleFetch(set.server, 'session', { cookie });
    const csrf = (session.json as { csrfToken: string }).csrfToken;
    const foreign = await consoleFetch(set.server, `s3/${Bucket}/csrf-probe`, { method: 'PUT', cookie, body: 'x', headers: { 'x-cairn-csrf': csrf, origin: 'http://evil.example' } });
    assert.deepEqual([foreign.status, foreign.json], [403, { error: { code: 'CrossOriginRequest', message: 'This request must come from the console page itself (Origin does not match).' } }]);
    const noHeader = await consoleFetch(set.server, `s3/${Bucket}/csrf-probe`, { method: 'PUT', cookie, body: 'x', headers: { origin: new URL(set.server.endpoint).origin } });
    assert.deepEqual([noHeader.status, noHeader.json], [403, { error: { code: 'InvalidCsrfToken', message: 'The x-cairn-csrf header is missing or does not match this session.' } }]);
    await assert.rejects(set.s3.send(new HeadObjectCommand({ Bucket, Key: 'csrf-probe' })), { name: 'NotFound' });
    const allowed = await consoleFetch(set.server, `s3/${Bucket}/csrf-probe`, { method: 'PUT', cookie, body: 'x', headers: { 'x-cairn-csrf': csrf, origin: new URL(set.server.endpoint).origin } });
    assert.equal(allowed.status, 200);
  });

  it('logout ends the session; a user without rights sees the server AccessDenied', async () => {
    const cookie = (await context.cookies()).map((entry) => `${entry.name}=${entry.value}`).join('; ');
    await page.click('#logout-button');
    await page.locator('#login-button').waitFor();
    assert.equal((await consoleFetch(set.server, 'session', { cookie })).status, 401);
    assert.equal((await consoleFetch(set.server, `s3/${Bucket}/big.bin`, { cookie })).status, 401);
    const denied = await userClient(set.server, reader).send(new ListObjectsV2Command({ Bucket, Delimiter: '/', Prefix: '' })).then(() => undefined, (error: Error) => error);
    assert.equal(denied?.name, 'AccessDenied');
    await logIn(page, set.server, reader.accessKeyId, reader.secretAccessKey);
    await page.locator('#logout-button').waitFor();
    await page.fill('#open-bucket', Bucket);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByText(`AccessDenied: ${denied.message}`).first().waitFor();
    assert.equal(await page.locator('.object-link').count(), 0);
    await page.click('#tab-identity');
    await page.getByText('AccessDenied: Only the root identity may use the admin API.').waitFor();
    await screenshot(page, 'access-denied');
    await page.click('#tab-objects');
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'phone');
  });
});
