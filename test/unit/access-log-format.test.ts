// Server access log records' pure parts: the Operation field for each kind of S3 request, the
// request-URI without signature parameters, the time field, and the log object keys of both formats.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDestination, destinationOf, encodeDestination, logObjectKey } from '../../src/features/access-logs/log-keys.js';
import { logTime, redactedRequestUri } from '../../src/features/access-logs/log-line.js';
import { operationName } from '../../src/features/access-logs/operation.js';

const operation = (method: string, key: string | undefined, query: string, copying = false) =>
  operationName({ method, key, query: new URLSearchParams(query), copying });

describe('access log format', () => {
  it('names operations as S3 does', () => {
    assert.equal(operation('GET', 'k', ''), 'REST.GET.OBJECT');
    assert.equal(operation('HEAD', 'k', 'partNumber=1'), 'REST.HEAD.OBJECT');
    assert.equal(operation('GET', undefined, 'list-type=2'), 'REST.GET.BUCKET');
    assert.equal(operation('PUT', undefined, 'logging'), 'REST.PUT.LOGGING_STATUS');
    assert.equal(operation('GET', undefined, 'versions'), 'REST.GET.BUCKETVERSIONS');
    assert.equal(operation('DELETE', undefined, 'policy'), 'REST.DELETE.BUCKETPOLICY');
    assert.equal(operation('POST', undefined, 'delete'), 'REST.POST.MULTI_OBJECT_DELETE');
    assert.equal(operation('POST', 'k', 'uploads'), 'REST.POST.UPLOADS');
    assert.equal(operation('PUT', 'k', 'partNumber=2&uploadId=u'), 'REST.PUT.PART');
    assert.equal(operation('POST', 'k', 'uploadId=u'), 'REST.POST.UPLOAD');
    assert.equal(operation('PUT', 'k', '', true), 'REST.COPY.OBJECT');
    assert.equal(operation('PUT', 'k', 'partNumber=2&uploadId=u', true), 'REST.COPY.PART');
    assert.equal(operation('GET', 'k', 'tagging'), 'REST.GET.OBJECT_TAGGING');
    assert.equal(operation('GET', undefined, 'tagging'), 'REST.GET.TAGGING');
    assert.equal(operation('OPTIONS', 'k', ''), 'REST.OPTIONS.PREFLIGHT');
  });

  it('leaves signatures and session tokens out of the request-URI, and keeps the rest as sent', () => {
    assert.equal(redactedRequestUri('/b/k?X-Amz-Algorithm=A&X-Amz-Signature=abc&X-Amz-Date=D'), '/b/k?X-Amz-Algorithm=A&X-Amz-Date=D');
    assert.equal(redactedRequestUri('/b/k?AWSAccessKeyId=K&Expires=1&Signature=s%2B'), '/b/k?AWSAccessKeyId=K&Expires=1');
    assert.equal(redactedRequestUri('/b/k?x-amz-security-token=t'), '/b/k');
    assert.equal(redactedRequestUri('/b/k?X-Amz%2DSignature=abc&a=%ZZ'), '/b/k?a=%ZZ');
    assert.equal(redactedRequestUri('/b/k'), '/b/k');
  });

  it('writes the time as [06/Feb/2019:00:00:38 +0000]', () => {
    assert.equal(logTime(Date.UTC(2019, 1, 6, 0, 0, 38)), '[06/Feb/2019:00:00:38 +0000]');
  });

  it('makes SimplePrefix and PartitionedPrefix keys', () => {
    const source = { accountId: '123456789012', region: 'eu-west-1', bucket: 'src', ownerId: 'o' };
    const at = Date.UTC(2024, 0, 2, 3, 4, 5);
    const simple = destinationOf({ targetBucket: 't', targetPrefix: 'logs/', targetGrants: [] }, source);
    assert.match(logObjectKey(simple, at, at), /^logs\/2024-01-02-03-04-05-[0-9A-F]{16}$/);
    const byEvent = destinationOf({ targetBucket: 't', targetPrefix: 'p/', targetGrants: [], keyFormat: { kind: 'partitioned', dateSource: 'EventTime' } }, source);
    assert.match(logObjectKey(byEvent, at, Date.UTC(2023, 11, 31)), /^p\/123456789012\/eu-west-1\/src\/2023\/12\/31\/2024-01-02-03-04-05-[0-9A-F]{16}$/);
    assert.deepEqual(decodeDestination(encodeDestination(byEvent)), byEvent);
    assert.equal(decodeDestination('not json'), undefined);
  });
});
