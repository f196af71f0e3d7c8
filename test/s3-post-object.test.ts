// POST Object (browser-based uploads): forms signed with AWS's own createPresignedPost and with
// policies signed here, sent over HTTP as a browser script sends them. Each refused form gets S3's
// exact status and code, and leaves nothing behind (HeadObject → 404).
import { GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, PutBucketCorsCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { rawRequest, sdkClient, sendRaw } from './helpers/clients.js';
import { expiresIn, md5Hex, multipartBody, postForm, sigV2Fields, sigV4Conditions, sigV4Fields, xmlElement, type FormFields } from './helpers/forms.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const Bucket = 'post-uploads';
const OTHER_BUCKET = 'post-other';
const KIB = 1024;

describe('POST Object (browser form uploads)', () => {
  let server: RunningServer;
  let s3: S3Client;
  let bucketUrl: string;

  async function presigned(options: { Key: string; Conditions?: any[]; Fields?: Record<string, string>; Expires?: number; Bucket?: string }) {
    const { url, fields } = await createPresignedPost(s3, { Bucket, ...options });
    return { url, fields: Object.entries(fields) as FormFields };
  }

  async function expectAbsent(key: string, bucket = Bucket): Promise<void> {
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), 'NotFound', 404);
  }

  /** A SigV4 policy signed here: `conditions` plus the bucket and signature-field conditions. */
  function signedPolicy(conditions: unknown[], expiration = expiresIn(600)): FormFields {
    const date = new Date();
    return sigV4Fields({ expiration, conditions: [{ bucket: Bucket }, ...conditions, ...sigV4Conditions(date)] }, { date });
  }

  before(async () => {
    ({ server, s3 } = await openSuite(Bucket));
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${OTHER_BUCKET}` })).status, 200);
    bucketUrl = `${server.endpoint}/${Bucket}`;
  });
  after(() => closeSuite(server, s3));

  it('stores a createPresignedPost upload: 204, ETag, Location, then bytes, type and metadata read back', async () => {
    const { url, fields } = await presigned({
      Key: 'photos/${filename}',
      Conditions: [['content-length-range', 1, 64 * KIB], ['starts-with', '$Content-Type', 'image/']],
      Fields: { 'Content-Type': 'image/png', 'x-amz-meta-owner': 'ada', 'Cache-Control': 'max-age=60' },
    });
    assert.equal(url, bucketUrl);
    const content = Buffer.from('\x89PNG fake image bytes');
    const response = await postForm(url, fields, { content, filename: 'cat.png', contentType: 'application/x-ignored' });
    assert.equal(response.status, 204, response.text);
    assert.equal(response.body.byteLength, 0);
    assert.equal(response.headers['etag'], `"${md5Hex(content)}"`);
    assert.equal(response.location, `${bucketUrl}/photos%2Fcat.png`);
    assert.match(String(response.headers['x-amz-checksum-crc64nvme']), /^[A-Za-z0-9+/]{11}=$/);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'photos/cat.png' }));
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), content);
    assert.equal(got.ContentType, 'image/png');
    assert.equal(got.CacheControl, 'max-age=60');
    assert.deepEqual(got.Metadata, { owner: 'ada' });
    assert.equal(got.ETag, `"${md5Hex(content)}"`);
  });

  it('streams a multi-MiB file into storage unchanged', async () => {
    const { url, fields } = await presigned({ Key: 'large/blob.bin', Conditions: [['content-length-range', 0, 16 * 1024 * KIB]] });
    const content = randomBytes(6 * 1024 * KIB + 123);
    const response = await postForm(url, fields, { content, filename: 'blob.bin' });
    assert.equal(response.status, 204, response.text);
    assert.equal(response.headers['etag'], `"${md5Hex(content)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'large/blob.bin' }));
    assert.equal(got.ContentLength, content.byteLength);
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(content));
  });

  it('answers success_action_status 201 with a PostResponse, 200 empty, and anything else 204', async () => {
    const created = await presigned({ Key: 'status/created.txt', Fields: { success_action_status: '201' } });
    const response = await postForm(created.url, created.fields, { content: 'created' });
    assert.equal(response.status, 201, response.text);
    assert.equal(response.headers['content-type'], 'application/xml');
    const location = `${bucketUrl}/status%2Fcreated.txt`;
    assert.match(response.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<PostResponse>/);
    assert.equal(/<Location>([^<]*)<\/Location>/.exec(response.text)?.[1], location);
    assert.equal(/<Bucket>([^<]*)<\/Bucket>/.exec(response.text)?.[1], Bucket);
    assert.equal(/<Key>([^<]*)<\/Key>/.exec(response.text)?.[1], 'status/created.txt');
    assert.equal(xmlElement(response.text, 'ETag'), `"${md5Hex('created')}"`);
    assert.equal(response.location, location);

    const ok = await presigned({ Key: 'status/ok.txt', Fields: { success_action_status: '200' } });
    const okResponse = await postForm(ok.url, ok.fields, { content: 'ok' });
    assert.equal(okResponse.status, 200);
    assert.equal(okResponse.body.byteLength, 0);
    const invalid = await presigned({ Key: 'status/invalid.txt', Fields: { success_action_status: '404' } });
    assert.equal((await postForm(invalid.url, invalid.fields, { content: 'x' })).status, 204);
  });

  it('redirects to success_action_redirect with bucket, key and etag; a relative URL is ignored', async () => {
    const redirect = 'http://app.example.com/done?step=2';
    const { url, fields } = await presigned({ Key: 'redirected/a b.txt', Fields: { success_action_redirect: redirect } });
    const response = await postForm(url, fields, { content: 'redirected' });
    assert.equal(response.status, 303, response.text);
    assert.equal(response.location, `${redirect}&bucket=${Bucket}&key=redirected%2Fa+b.txt&etag=%22${md5Hex('redirected')}%22`);
    const stored = await s3.send(new GetObjectCommand({ Bucket, Key: 'redirected/a b.txt' }));
    assert.equal(await stored.Body!.transformToString(), 'redirected');

    const legacy = await presigned({ Key: 'redirected/legacy', Fields: { redirect: 'https://app.example.com/ok' } });
    const legacyResponse = await postForm(legacy.url, legacy.fields, { content: 'legacy' });
    assert.equal(legacyResponse.status, 303);
    assert.ok(legacyResponse.location?.startsWith('https://app.example.com/ok?bucket='), legacyResponse.location);

    const relative = await presigned({ Key: 'redirected/relative', Fields: { success_action_redirect: '/relative/path' } });
    assert.equal((await postForm(relative.url, relative.fields, { content: 'rel' })).status, 204);
  });

  it('replaces ${filename} with the file name, without any directory part', async () => {
    const fields = signedPolicy([['starts-with', '$key', 'named/'], ['starts-with', '$x-amz-meta-original', '']]);
    const boundary = 'cairn-filename-boundary';
    const body = multipartBody(boundary, [
      { name: 'key', value: 'named/${filename}' },
      { name: 'x-amz-meta-original', value: 'was ${filename}' },
      ...fields.map(([name, value]) => ({ name, value })),
      { name: 'file', value: 'from windows', filename: 'C:\\Users\\ada\\report.txt' },
    ]);
    const response = await sendRaw(server, 'POST', `/${Bucket}`, {
      host: `127.0.0.1:${server.port}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.byteLength),
    }, body);
    assert.equal(response.status, 204, response.text);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'named/report.txt' }));
    assert.deepEqual(head.Metadata, { original: 'was report.txt' });
  });

  it('refuses an expired policy (403 AccessDenied) and writes nothing', async () => {
    const { url, fields } = await presigned({ Key: 'expired.txt', Expires: -60 });
    const response = await postForm(url, fields, { content: 'late' });
    expectErrorResponse(response, 403, 'AccessDenied');
    assert.equal(xmlElement(response.text, 'Message'), 'Invalid according to Policy: Policy expired.');
    await expectAbsent('expired.txt');
  });

  it('refuses a bad signature, a tampered policy and an unknown key, writing nothing', async () => {
    const { url, fields } = await presigned({ Key: 'signed.txt' });
    const tampered = fields.map(([name, value]): [string, string] => [name, name === 'X-Amz-Signature' ? `${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}` : value]);
    const badSignature = await postForm(url, tampered, { content: 'x' });
    expectErrorResponse(badSignature, 403, 'SignatureDoesNotMatch');
    const policy = fields.find(([name]) => name === 'Policy')![1];
    assert.equal(xmlElement(badSignature.text, 'StringToSign'), policy);
    assert.equal(xmlElement(badSignature.text, 'StringToSignBytes'), [...Buffer.from(policy)].map((byte) => byte.toString(16).padStart(2, '0')).join(' '));

    const otherPolicy = Buffer.from(JSON.stringify({ expiration: expiresIn(600), conditions: [['starts-with', '$key', '']] })).toString('base64');
    const swapped = fields.map(([name, value]): [string, string] => [name, name === 'Policy' ? otherPolicy : value]);
    expectErrorResponse(await postForm(url, swapped, { content: 'x' }), 403, 'SignatureDoesNotMatch');

    const stranger = sdkClient(server, { credentials: { accessKeyId: 'NOSUCHKEY0000000000', secretAccessKey: 'not-the-secret' } });
    const foreign = await createPresignedPost(stranger, { Bucket, Key: 'signed.txt' });
    const unknownKey = await postForm(foreign.url, Object.entries(foreign.fields), { content: 'x' });
    expectErrorResponse(unknownKey, 403, 'InvalidAccessKeyId');
    stranger.destroy();
    await expectAbsent('signed.txt');
  });

  it('refuses a policy for another bucket, a key outside its prefix, and a condition that fails', async () => {
    const forOther = await createPresignedPost(s3, { Bucket: OTHER_BUCKET, Key: 'moved.txt' });
    const wrongBucket = await postForm(bucketUrl, Object.entries(forOther.fields), { content: 'x' });
    expectErrorResponse(wrongBucket, 403, 'AccessDenied');
    assert.equal(xmlElement(wrongBucket.text, 'Message'), 'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "post-other"]');
    await expectAbsent('moved.txt');
    await expectAbsent('moved.txt', OTHER_BUCKET);

    const prefixed = await presigned({ Key: 'uploads/user-7/${filename}' });
    const outside = prefixed.fields.map(([name, value]): [string, string] => [name, name === 'key' ? 'elsewhere/evil.txt' : value]);
    const wrongPrefix = await postForm(prefixed.url, outside, { content: 'x', filename: 'evil.txt' });
    expectErrorResponse(wrongPrefix, 403, 'AccessDenied');
    assert.equal(xmlElement(wrongPrefix.text, 'Message'), 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/user-7/"]');
    await expectAbsent('elsewhere/evil.txt');

    const typed = await presigned({ Key: 'typed.bin', Conditions: [['starts-with', '$Content-Type', 'image/']], Fields: { 'Content-Type': 'text/html' } });
    const wrongType = await postForm(typed.url, typed.fields, { content: '<script>' });
    expectErrorResponse(wrongType, 403, 'AccessDenied');
    assert.equal(xmlElement(wrongType.text, 'Message'), 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]');
    await expectAbsent('typed.bin');
  });

  it('enforces content-length-range, bounds included: EntityTooLarge and EntityTooSmall write nothing', async () => {
    const { url, fields } = await presigned({ Key: 'sized/${filename}', Conditions: [['content-length-range', 5, 10]] });
    const tooLarge = await postForm(url, fields, { content: 'x'.repeat(12), filename: 'large' });
    expectErrorResponse(tooLarge, 400, 'EntityTooLarge');
    assert.match(tooLarge.text, /<ProposedSize>12<\/ProposedSize><MaxSizeAllowed>10<\/MaxSizeAllowed>/);
    const tooSmall = await postForm(url, fields, { content: 'x', filename: 'small' });
    expectErrorResponse(tooSmall, 400, 'EntityTooSmall');
    assert.match(tooSmall.text, /<ProposedSize>1<\/ProposedSize><MinSizeAllowed>5<\/MinSizeAllowed>/);
    await expectAbsent('sized/large');
    await expectAbsent('sized/small');
    assert.equal((await postForm(url, fields, { content: 'x'.repeat(5), filename: 'min' })).status, 204);
    assert.equal((await postForm(url, fields, { content: 'x'.repeat(10), filename: 'max' })).status, 204);

    // A file far over the limit is refused while it streams, and nothing of it is kept.
    const big = await presigned({ Key: 'sized/big', Conditions: [['content-length-range', 0, 64 * KIB]] });
    const bigResponse = await postForm(big.url, big.fields, { content: Buffer.alloc(3 * 1024 * KIB, 7) });
    expectErrorResponse(bigResponse, 400, 'EntityTooLarge');
    assert.match(bigResponse.text, /<ProposedSize>3145728<\/ProposedSize><MaxSizeAllowed>65536<\/MaxSizeAllowed>/);
    await expectAbsent('sized/big');
  });

  it('refuses a field no condition names, except x-ignore-* fields; fields after the file are ignored', async () => {
    const { url, fields } = await presigned({ Key: 'fields.txt' });
    const extra = await postForm(url, [...fields, ['x-amz-meta-sneaky', 'yes']], { content: 'x' });
    expectErrorResponse(extra, 403, 'AccessDenied');
    assert.equal(xmlElement(extra.text, 'Message'), 'Invalid according to Policy: Extra input fields: x-amz-meta-sneaky');
    await expectAbsent('fields.txt');

    const ignored = await postForm(url, [...fields, ['x-ignore-tracking', '42']], { content: 'kept' }, [['x-amz-meta-after', 'ignored'], ['submit', 'Upload']]);
    assert.equal(ignored.status, 204, ignored.text);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'fields.txt' }));
    assert.deepEqual(head.Metadata, {});
  });

  it('names the missing field: no file, no key (or a key after the file), no signature', async () => {
    const { url, fields } = await presigned({ Key: 'missing.txt' });
    const noFile = await postForm(url, fields, undefined);
    expectErrorResponse(noFile, 400, 'InvalidArgument');
    assert.match(noFile.text, /POST requires exactly one file upload per request\.<\/Message><ArgumentName>file<\/ArgumentName><ArgumentValue>0<\/ArgumentValue>/);

    const withoutKey = fields.filter(([name]) => name !== 'key');
    const keyAfterFile = await postForm(url, withoutKey, { content: 'x' }, [['key', 'missing.txt']]);
    expectErrorResponse(keyAfterFile, 400, 'InvalidArgument');
    assert.equal(xmlElement(keyAfterFile.text, 'Message'), "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.");
    assert.equal(xmlElement(keyAfterFile.text, 'ArgumentName'), 'key');

    const unsigned = await postForm(url, fields.filter(([name]) => name !== 'X-Amz-Signature'), { content: 'x' });
    expectErrorResponse(unsigned, 400, 'InvalidArgument');
    assert.match(unsigned.text, /<ArgumentName>X-Amz-Signature<\/ArgumentName>/);

    const anonymous = await postForm(url, [['key', 'missing.txt']], { content: 'x' });
    expectErrorResponse(anonymous, 403, 'AccessDenied');
    await expectAbsent('missing.txt');
  });

  it('refuses a body that is not a whole multipart/form-data form, and stores nothing of it', async () => {
    const host = `127.0.0.1:${server.port}`;
    const urlencoded = await sendRaw(server, 'POST', `/${Bucket}`, { host, 'content-type': 'application/x-www-form-urlencoded', 'content-length': '5' }, Buffer.from('key=x'));
    expectErrorResponse(urlencoded, 412, 'PreconditionFailed');
    assert.match(urlencoded.text, /<Condition>Bucket POST must be of the enclosure-type multipart\/form-data<\/Condition>/);
    const noBoundary = await sendRaw(server, 'POST', `/${Bucket}`, { host, 'content-type': 'multipart/form-data', 'content-length': '5' }, Buffer.from('hello'));
    expectErrorResponse(noBoundary, 400, 'MalformedPOSTRequest');

    // The whole file arrives but the closing boundary never does: the object must not appear.
    const fields = signedPolicy([{ key: 'truncated.txt' }]);
    const boundary = 'cairn-truncated';
    const body = multipartBody(boundary, [
      { name: 'key', value: 'truncated.txt' },
      ...fields.map(([name, value]) => ({ name, value })),
      { name: 'file', value: 'all the bytes', filename: 'f.txt' },
    ], false);
    const truncated = await sendRaw(server, 'POST', `/${Bucket}`, { host, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.byteLength) }, body);
    expectErrorResponse(truncated, 400, 'MalformedPOSTRequest');
    await expectAbsent('truncated.txt');

    // A second file part: S3 takes exactly one.
    const twoFiles = multipartBody(boundary, [
      { name: 'key', value: 'two-files.txt' },
      ...signedPolicy([{ key: 'two-files.txt' }]).map(([name, value]) => ({ name, value })),
      { name: 'file', value: 'first', filename: 'a.txt' },
      { name: 'file', value: 'second', filename: 'b.txt' },
    ]);
    const twoResponse = await sendRaw(server, 'POST', `/${Bucket}`, { host, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(twoFiles.byteLength) }, twoFiles);
    expectErrorResponse(twoResponse, 400, 'InvalidArgument');
    assert.match(twoResponse.text, /<ArgumentName>file<\/ArgumentName><ArgumentValue>2<\/ArgumentValue>/);
    await expectAbsent('two-files.txt');
  });

  it('stores nothing when the browser goes away mid-file, and keeps serving', async () => {
    const boundary = 'cairn-abandoned';
    const head = multipartBody(boundary, [
      { name: 'key', value: 'abandoned.bin' },
      ...signedPolicy([{ key: 'abandoned.bin' }]).map(([name, value]) => ({ name, value })),
    ], false);
    const filePart = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n`);
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /${Bucket} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${head.byteLength + filePart.byteLength + 1024 * KIB}\r\n\r\n`);
    socket.write(head);
    socket.write(filePart);
    socket.write(Buffer.alloc(256 * KIB, 1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expectAbsent('abandoned.bin');
    assert.equal((await fetch(`${server.endpoint}/_cairn/health`)).status, 200);
  });

  it('limits the fields before the file to 20 KB (MaxPostPreDataLengthExceeded)', async () => {
    const { url, fields } = await presigned({ Key: 'padded.txt' });
    const padded = await postForm(url, [...fields, ['x-ignore-padding', 'p'.repeat(21 * KIB)]], { content: 'x' });
    expectErrorResponse(padded, 400, 'MaxPostPreDataLengthExceeded');
    assert.match(padded.text, /<MaxPostPreDataLengthBytes>20480<\/MaxPostPreDataLengthBytes>/);
    await expectAbsent('padded.txt');
    // Just under the limit is fine.
    const fits = await postForm(url, [...fields, ['x-ignore-padding', 'p'.repeat(16 * KIB)]], { content: 'x' });
    assert.equal(fits.status, 204, fits.text);
  });

  it('refuses malformed policies with InvalidPolicyDocument', async () => {
    const cases: Array<[policy: unknown, message: string]> = [
      ['not base64!', 'Invalid Policy: invalid Base64 encoding.'],
      [Buffer.from('{"expiration": ').toString('base64'), 'Invalid Policy: Invalid JSON.'],
      [{ conditions: [] }, 'Invalid Policy: Policy missing expiration.'],
      [{ expiration: '2030-01-01 00:00:00' }, "Invalid Policy: Invalid 'expiration' value: '2030-01-01 00:00:00'"],
      [{ expiration: expiresIn(600) }, 'Invalid Policy: Policy missing conditions.'],
      [{ expiration: expiresIn(600), conditions: {} }, "Invalid Policy: Invalid 'conditions' value: must be a List."],
      [{ expiration: expiresIn(600), CONDITIONS: [] }, "Invalid Policy: Unexpected: 'conditions'"],
      [{ expiration: expiresIn(600), conditions: [{}] }, 'Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.'],
      [{ expiration: expiresIn(600), conditions: [{ key: 'a', acl: 'private' }] }, 'Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.'],
      [{ expiration: expiresIn(600), conditions: [{ key: 7 }] }, 'Invalid Policy: Invalid Simple-Condition: value must be a string.'],
      [{ expiration: expiresIn(600), conditions: [['matches', '$key', 'a']] }, "Invalid Policy: Invalid Condition: unknown operation 'matches'."],
      [{ expiration: expiresIn(600), conditions: [['content-length-range', 0]] }, 'Invalid Policy: Invalid content-length-range: wrong number of arguments.'],
      [{ expiration: expiresIn(600), conditions: [[]] }, 'Invalid Policy: Invalid Condition: missing operation identifier.'],
    ];
    for (const [policy, message] of cases) {
      const response = await postForm(bucketUrl, [['key', 'policy.txt'], ...sigV4Fields(policy)], { content: 'x' });
      expectErrorResponse(response, 400, 'InvalidPolicyDocument');
      assert.equal(xmlElement(response.text, 'Message'), message);
    }
    await expectAbsent('policy.txt');
  });

  it('matches condition names and operators without regard to case, values with it', async () => {
    const fields = signedPolicy([['StArTs-WiTh', '$KeY', 'case/'], { 'CONTENT-TYPE': 'text/plain' }]);
    const accepted = await postForm(bucketUrl, [['kEy', 'case/ok.txt'], ['content-type', 'text/plain'], ...fields], { content: 'case' });
    assert.equal(accepted.status, 204, accepted.text);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'case/ok.txt' }));
    assert.equal(head.ContentType, 'text/plain');
    const wrongCase = await postForm(bucketUrl, [['key', 'CASE/no.txt'], ['Content-Type', 'text/plain'], ...fields], { content: 'case' });
    expectErrorResponse(wrongCase, 403, 'AccessDenied');
    await expectAbsent('CASE/no.txt');
  });

  it('accepts SigV2 forms (boto3 generate_presigned_post by default) and refuses a bad SigV2 signature', async () => {
    const policy = { expiration: expiresIn(600), conditions: [{ bucket: Bucket }, ['starts-with', '$key', 'v2/']] };
    const accepted = await postForm(bucketUrl, [['key', 'v2/legacy.txt'], ...sigV2Fields(policy)], { content: 'signed with sha1' });
    assert.equal(accepted.status, 204, accepted.text);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'v2/legacy.txt' }));
    assert.equal(await got.Body!.transformToString(), 'signed with sha1');
    const refused = await postForm(bucketUrl, [['key', 'v2/bad.txt'], ...sigV2Fields(policy, 'wrong-secret')], { content: 'x' });
    expectErrorResponse(refused, 403, 'SignatureDoesNotMatch');
    await expectAbsent('v2/bad.txt');
  });

  it('verifies Content-MD5 and x-amz-checksum-* fields against the file (BadDigest writes nothing)', async () => {
    const content = 'checksummed upload';
    const md5 = createHash('md5').update(content).digest('base64');
    const sha256 = createHash('sha256').update(content).digest('base64');
    const conditions = [['starts-with', '$Content-MD5', ''], ['starts-with', '$x-amz-checksum-sha256', ''], ['starts-with', '$key', 'sums/']];
    const good = await postForm(bucketUrl, [['key', 'sums/good'], ['Content-MD5', md5], ['x-amz-checksum-sha256', sha256], ...signedPolicy(conditions)], { content });
    assert.equal(good.status, 204, good.text);
    assert.equal(good.headers['x-amz-checksum-sha256'], sha256);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'sums/good', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumSHA256, sha256);

    const wrongSha = createHash('sha256').update('other').digest('base64');
    const badSha = await postForm(bucketUrl, [['key', 'sums/bad-sha'], ['Content-MD5', md5], ['x-amz-checksum-sha256', wrongSha], ...signedPolicy(conditions)], { content });
    expectErrorResponse(badSha, 400, 'BadDigest');
    const wrongMd5 = createHash('md5').update('other').digest('base64');
    const badMd5 = await postForm(bucketUrl, [['key', 'sums/bad-md5'], ['Content-MD5', wrongMd5], ['x-amz-checksum-sha256', sha256], ...signedPolicy(conditions)], { content });
    expectErrorResponse(badMd5, 400, 'BadDigest');
    await expectAbsent('sums/bad-sha');
    await expectAbsent('sums/bad-md5');
  });

  it('stores tags, storage class and UTF-8 metadata (RFC 2047, as S3 does); refuses a bad storage class', async () => {
    const conditions = [['starts-with', '$key', 'attrs/'], ['starts-with', '$tagging', ''], ['starts-with', '$x-amz-storage-class', ''], ['starts-with', '$x-amz-meta-title', '']];
    const tagging = '<Tagging><TagSet><Tag><Key>team</Key><Value>web</Value></Tag></TagSet></Tagging>';
    const response = await postForm(bucketUrl, [
      ['key', 'attrs/one'], ['tagging', tagging], ['x-amz-storage-class', 'STANDARD_IA'], ['x-amz-meta-title', 'Café déjà vu'], ...signedPolicy(conditions),
    ], { content: 'attributes' });
    assert.equal(response.status, 204, response.text);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'attrs/one' }));
    assert.equal(head.StorageClass, 'STANDARD_IA');
    assert.deepEqual(head.Metadata, { title: '=?UTF-8?Q?Caf=C3=A9_d=C3=A9j=C3=A0_vu?=' });
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'attrs/one' }));
    assert.deepEqual(tags.TagSet, [{ Key: 'team', Value: 'web' }]);

    const classConditions = [['starts-with', '$key', 'attrs/'], ['starts-with', '$x-amz-storage-class', '']];
    const badClass = await postForm(bucketUrl, [['key', 'attrs/two'], ['x-amz-storage-class', 'FakeClass'], ...signedPolicy(classConditions)], { content: 'x' });
    expectErrorResponse(badClass, 400, 'InvalidStorageClass');
    await expectAbsent('attrs/two');
  });

  it('answers NoSuchBucket for a bucket that does not exist', async () => {
    const { fields } = await presigned({ Key: 'nowhere.txt', Bucket: 'post-missing-bucket' });
    expectErrorResponse(await postForm(`${server.endpoint}/post-missing-bucket`, fields, { content: 'x' }), 404, 'NoSuchBucket');
  });

  it('returns x-amz-version-id in a versioned bucket, and CORS headers for an allowed origin, on success and error', async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: OTHER_BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutBucketCorsCommand({ Bucket: OTHER_BUCKET, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['http://page.example'], AllowedMethods: ['POST'], ExposeHeaders: ['ETag'] }] } }));
    const { url, fields } = await createPresignedPost(s3, { Bucket: OTHER_BUCKET, Key: 'versioned.txt' });
    const origin = { origin: 'http://page.example' };
    const response = await postForm(url, Object.entries(fields), { content: 'v1' }, [], origin);
    assert.equal(response.status, 204, response.text);
    assert.match(String(response.headers['x-amz-version-id']), /\S+/);
    assert.equal(response.headers['access-control-allow-origin'], 'http://page.example');
    assert.equal(response.headers['access-control-expose-headers'], 'ETag');
    const head = await s3.send(new HeadObjectCommand({ Bucket: OTHER_BUCKET, Key: 'versioned.txt' }));
    assert.equal(head.VersionId, response.headers['x-amz-version-id']);
    const refused = await postForm(url, Object.entries(fields).filter(([name]) => name !== 'X-Amz-Signature'), { content: 'v2' }, [], origin);
    expectErrorResponse(refused, 400, 'InvalidArgument');
    assert.equal(refused.headers['access-control-allow-origin'], 'http://page.example');
    const elsewhere = await postForm(url, Object.entries(fields), { content: 'v3' }, [], { origin: 'http://other.example' });
    assert.equal(elsewhere.status, 204);
    assert.equal(elsewhere.headers['access-control-allow-origin'], undefined);
  });
});
