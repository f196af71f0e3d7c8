// XML 1.0 characters, both ways (issue 13, defect 1): keys with line ends, U+0085, U+2028, controls
// and non-BMP characters round-trip through DeleteObjects and listings with the JavaScript SDK and
// boto3; character references are decoded exactly as XML 1.0 does, and the ones it forbids are
// MalformedXML with nothing changed.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { md5Base64, rawRequest } from './helpers/clients.js';
import { awsClientEnvironment, runCommand } from './helpers/processes.js';
import { REPO_ROOT, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const Bucket = 'xml-characters';
/** What the SDKs write as references (&#x0A; &#x0D; &#x85; &#x2028;). */
const LINE_END_KEYS = ['line\nbreak', 'cr\rkey', 'nel\u0085key', 'ls\u2028key'];
/** Keys only a response has to carry: a C0 control (written as &#x1; as S3 does), a tab, non-BMP, markup. */
const LISTED_KEYS = [...LINE_END_KEYS, 'bell\u0007key', 'tab\tkey', 'emoji😀key', 'amp&<lt>"q\'', 'crlf\r\nkey'];

function byBytes(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}

/** Runs a boto3 script (default configuration but the endpoint) that prints one JSON value. */
async function boto3Json(server: RunningServer, script: string): Promise<unknown> {
  const program = `import boto3, json, sys\ns3 = boto3.client('s3', endpoint_url=sys.argv[1])\n${script}`;
  const result = await runCommand('python3', ['-c', program, server.endpoint], { env: awsClientEnvironment(), cwd: REPO_ROOT, timeoutMs: 120_000 });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

const boto3Probe = await runCommand('python3', ['-c', 'import boto3'], { env: awsClientEnvironment(), cwd: REPO_ROOT, timeoutMs: 60_000 }).catch(() => undefined);
const boto3Missing = boto3Probe?.code === 0 ? false : 'python3 with boto3 is not available';

describe('XML characters', () => {
  let server: RunningServer;
  let s3: S3Client;
  const put = (Key: string) => s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
  const raw = (method: string, path: string, query: Record<string, string>, body: string) =>
    rawRequest(server, { method, path, query, body, headers: { 'content-md5': md5Base64(body) } });

  before(async () => {
    ({ server, s3 } = await openSuite(Bucket));
  });
  after(() => closeSuite(server, s3));

  it('DeleteObjects through the JavaScript SDK really deletes keys with \\n, \\r, U+0085 and U+2028', async () => {
    for (const key of LINE_END_KEYS) await put(key);
    const result = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: LINE_END_KEYS.map((Key) => ({ Key })) } }));
    assert.equal(result.Errors, undefined);
    assert.deepEqual((result.Deleted ?? []).map((entry) => entry.Key!).sort(byBytes), [...LINE_END_KEYS].sort(byBytes));
    for (const Key of LINE_END_KEYS) await expectS3Error(s3.send(new HeadObjectCommand({ Bucket, Key })), 'NotFound', 404);
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket }))).KeyCount, 0);
  });

  it('ListObjectsV2, ListObjectVersions and ListMultipartUploads give the JavaScript SDK the exact keys', async () => {
    for (const key of LISTED_KEYS) await put(key);
    const expected = [...LISTED_KEYS].sort(byBytes);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
    assert.deepEqual((listed.Contents ?? []).map((entry) => entry.Key), expected);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    assert.deepEqual((versions.Versions ?? []).map((entry) => entry.Key), expected);
    const uploadIds: string[] = [];
    for (const Key of LISTED_KEYS) uploadIds.push((await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId!);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket }));
    assert.deepEqual((uploads.Uploads ?? []).map((entry) => entry.Key), expected);
    // The answers of CreateMultipartUpload carry the key too.
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'bell\u0007key' }));
    assert.equal(created.Key, 'bell\u0007key');
    // boto3 (below) cannot read such a key outside encoding-type=url: the bell's uploads go.
    for (const UploadId of [created.UploadId!, uploadIds[LISTED_KEYS.indexOf('bell\u0007key')]!]) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'bell\u0007key', UploadId }));
    }
  });

  it('CompleteMultipartUpload of a key with a line end and U+2028 answers the exact key', async () => {
    const Key = 'multi\npart\u2028key\r';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const part = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'part one' }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    assert.equal(done.Key, Key);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key }))).ContentLength, 8);
    await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key }] } }));
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket, Key })), 'NotFound', 404);
  });

  it('boto3 lists the same keys exactly', { skip: boto3Missing }, async () => {
    const script = `
objects = [entry['Key'] for entry in s3.list_objects_v2(Bucket='${Bucket}')['Contents']]
versions = [entry['Key'] for entry in s3.list_object_versions(Bucket='${Bucket}')['Versions']]
uploads = sorted(set(entry['Key'] for entry in s3.list_multipart_uploads(Bucket='${Bucket}')['Uploads']))
print(json.dumps({'objects': objects, 'versions': versions, 'uploads': uploads}))`;
    const listed = await boto3Json(server, script) as Record<string, string[]>;
    const expected = [...LISTED_KEYS].sort(byBytes);
    assert.deepEqual(listed['objects'], expected);
    assert.deepEqual(listed['versions'], expected);
    // botocore asks for encoding-type=url on the two object listings only; like S3, Cairn writes a
    // C0 control as &#x7;, which Python's XML parser refuses, so the uploads listed here leave it out.
    const uploadKeys = LISTED_KEYS.filter((key) => key !== 'bell\u0007key').sort(byBytes);
    assert.deepEqual([...listed['uploads']!].sort(byBytes), uploadKeys);
  });

  it('a reference XML 1.0 forbids in a key is MalformedXML and deletes nothing', async () => {
    await put('ab');
    for (const reference of ['&#xDFFF;', '&#xD800;', '&#0;', '&#x1;', '&#xFFFE;', '&#x110000;', '&nbsp;', '&#x41']) {
      const body = `<Delete><Object><Key>a${reference}b</Key></Object></Delete>`;
      expectErrorResponse(await raw('POST', `/${Bucket}`, { delete: '' }, body), 400, 'MalformedXML');
    }
    // A literal character outside XML's Char production, and bytes that are not UTF-8.
    expectErrorResponse(await raw('POST', `/${Bucket}`, { delete: '' }, '<Delete><Object><Key>a\u0001b</Key></Object></Delete>'), 400, 'MalformedXML');
    const notUtf8 = Buffer.concat([Buffer.from('<Delete><Object><Key>a'), Buffer.from([0xff]), Buffer.from('b</Key></Object></Delete>')]);
    expectErrorResponse(await rawRequest(server, { method: 'POST', path: `/${Bucket}`, query: { delete: '' }, body: notUtf8, headers: { 'content-md5': md5Base64(notUtf8) } }), 400, 'MalformedXML');
    // A DTD may not declare entities.
    const declared = '<!DOCTYPE Delete [<!ENTITY k "ab">]><Delete><Object><Key>&k;</Key></Object></Delete>';
    expectErrorResponse(await raw('POST', `/${Bucket}`, { delete: '' }, declared), 400, 'MalformedXML');
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'ab' }))).ContentLength, 2);
  });

  it('decimal, hexadecimal and predefined references decode to the key they name', async () => {
    await put('x\ny€<&😀');
    const body = '<Delete><Object><Key>x&#10;y&#x20AC;&lt;&amp;&#x1F600;</Key></Object></Delete>';
    const answer = await raw('POST', `/${Bucket}`, { delete: '' }, body);
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.text, /<Deleted><Key>x&#x0A;y€&lt;&amp;😀<\/Key><\/Deleted>/);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket, Key: 'x\ny€<&😀' })), 'NotFound', 404);
  });

  it('&#x20AC; in a tag key is the tag key €, refused by its own name; &#xE9; is é', async () => {
    await put('tagged');
    const tagging = (key: string) => `<Tagging><TagSet><Tag><Key>${key}</Key><Value>sign&#32;1</Value></Tag></TagSet></Tagging>`;
    // S3 allows letters, digits, spaces and + - = . _ : / @ in tags: € is a symbol, é a letter.
    const euro = await raw('PUT', `/${Bucket}/tagged`, { tagging: '' }, tagging('&#x20AC;'));
    expectErrorResponse(euro, 400, 'InvalidTag');
    assert.match(euro.text, /<TagKey>€<\/TagKey>/);
    const accented = await raw('PUT', `/${Bucket}/tagged`, { tagging: '' }, tagging('caf&#xE9;'));
    assert.equal(accented.status, 200, accented.text);
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'tagged' }))).TagSet, [{ Key: 'café', Value: 'sign 1' }]);
  });

  it('a lifecycle rule ID of &#xD800; or &#0; is MalformedXML; a prefix with a line end round-trips', async () => {
    for (const id of ['&#xD800;', '&#0;']) {
      const body = `<LifecycleConfiguration><Rule><ID>${id}</ID><Filter><Prefix>p</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`;
      expectErrorResponse(await raw('PUT', `/${Bucket}`, { lifecycle: '' }, body), 400, 'MalformedXML');
    }
    await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })), 'NoSuchLifecycleConfiguration', 404);
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [
      { ID: 'line\nend\r\u2028', Filter: { Prefix: 'logs\n\u0085/' }, Status: 'Enabled', Expiration: { Days: 3 } },
    ] } }));
    const stored = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
    assert.equal(stored.Rules?.[0]?.ID, 'line\nend\r\u2028');
    assert.equal(stored.Rules?.[0]?.Filter?.Prefix, 'logs\n\u0085/');
  });
});
