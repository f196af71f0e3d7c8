// The policy language and evaluator on their own: wildcards, NotAction / NotResource, NotPrincipal,
// conditions and their operators, variables, explicit Deny, and every document S3 refuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateAccess, type AccessRequest, type ApplicablePolicies, type RequestPrincipal } from '../../src/services/iam/evaluate.js';
import { compilePattern, matchesPattern } from '../../src/services/iam/patterns.js';
import { isPublicPolicy, parsePolicy, type ParsedPolicy } from '../../src/services/iam/policy.js';
import { PolicyError } from '../../src/services/iam/policy-error.js';

const ACCOUNT = '000000000000';
const BUCKET = 'photos';
const ALICE: RequestPrincipal = { kind: 'user', name: 'alice', canonicalId: 'a'.repeat(64) };
const BOB: RequestPrincipal = { kind: 'user', name: 'bob', canonicalId: 'b'.repeat(64) };
const ANONYMOUS: RequestPrincipal = { kind: 'anonymous' };

function bucketPolicy(statements: object[], version = '2012-10-17'): ParsedPolicy {
  return parsePolicy(JSON.stringify({ Version: version, Statement: statements }), { kind: 'bucket', accountId: ACCOUNT, bucket: BUCKET });
}

function userPolicy(statements: object[]): ParsedPolicy {
  return parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), { kind: 'user', accountId: ACCOUNT });
}

function request(principal: RequestPrincipal, action: string, resource: string, keys: Record<string, string | string[]> = {}): AccessRequest {
  const map = new Map(Object.entries(keys).map(([key, value]) => [key.toLowerCase(), Array.isArray(value) ? value : [value]]));
  if (principal.kind === 'user') map.set('aws:username', [principal.name]);
  return { principal, action, resource, keys: map };
}

function decide(req: AccessRequest, policies: Partial<ApplicablePolicies>): string {
  return evaluateAccess(req, { allowedByDefault: false, ignoreBucketPolicyAllows: false, ...policies });
}

const objectArn = (key: string) => `arn:aws:s3:::${BUCKET}/${key}`;
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;

function refused(text: string, message: string, options: { kind: 'bucket' | 'user' } = { kind: 'bucket' }): void {
  assert.throws(() => parsePolicy(text, { ...options, accountId: ACCOUNT, bucket: BUCKET }), (error: unknown) => {
    assert.ok(error instanceof PolicyError, String(error));
    assert.equal(error.message, message);
    return true;
  }, text);
}

describe('patterns', () => {
  it('* spans any run including / and :, ? is one character, matching is anchored', () => {
    const pattern = compilePattern('arn:aws:s3:::b/a*z?', { wildcards: true, variables: false });
    assert.ok(matchesPattern(pattern, 'arn:aws:s3:::b/a/x:yz1'));
    assert.ok(matchesPattern(pattern, 'arn:aws:s3:::b/az1'));
    assert.ok(!matchesPattern(pattern, 'arn:aws:s3:::b/az'));
    assert.ok(!matchesPattern(pattern, 'arn:aws:s3:::b/az12'));
    assert.ok(!matchesPattern(pattern, 'xarn:aws:s3:::b/az1'));
  });

  it('a policy variable matches its value literally, and nothing when the request has no value', () => {
    const pattern = compilePattern('home/${aws:username}/*', { wildcards: true, variables: true });
    const values = (name: string) => (key: string) => (key === 'aws:username' ? [name] : undefined);
    assert.ok(matchesPattern(pattern, 'home/alice/file', values('alice')));
    assert.ok(!matchesPattern(pattern, 'home/bob/file', values('alice')));
    assert.ok(!matchesPattern(pattern, 'home/anything/file', values('*')), 'a value of * is no wildcard');
    assert.ok(matchesPattern(pattern, 'home/*/file', values('*')));
    assert.ok(!matchesPattern(pattern, 'home/alice/file', () => undefined));
    assert.ok(matchesPattern(compilePattern('a${*}b', { wildcards: true, variables: true }), 'a*b'));
  });

  it('stays fast on patterns built to backtrack', () => {
    const pattern = compilePattern('*a*a*a*a*a*a*a*a*a*b', { wildcards: true, variables: false });
    const started = process.hrtime.bigint();
    assert.ok(!matchesPattern(pattern, 'a'.repeat(5000)));
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 1000);
  });
});

describe('evaluation', () => {
  it('nothing applies: implicit deny; the owner is allowed by default; an explicit Deny beats both', () => {
    const read = request(BOB, 's3:GetObject', objectArn('k'));
    assert.equal(decide(read, {}), 'implicit-deny');
    assert.equal(decide(read, { allowedByDefault: true }), 'allow');
    const deny = bucketPolicy([{ Effect: 'Deny', Principal: { AWS: 'bob' }, Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*` }]);
    assert.equal(decide(read, { allowedByDefault: true, bucketPolicy: deny }), 'explicit-deny');
  });

  it('a user policy or a bucket policy allows; a Deny in either wins over an Allow in the other', () => {
    const read = request(BOB, 's3:GetObject', objectArn('k'));
    const allowBucket = bucketPolicy([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` }, Action: 's3:Get*', Resource: `${BUCKET_ARN}/*` }]);
    const allowUser = userPolicy([{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
    const denyUser = userPolicy([{ Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/k' }]);
    assert.equal(decide(read, { bucketPolicy: allowBucket }), 'allow');
    assert.equal(decide(read, { userPolicy: allowUser }), 'allow');
    assert.equal(decide(read, { userPolicy: denyUser, bucketPolicy: allowBucket }), 'explicit-deny');
    assert.equal(decide(request(ALICE, 's3:GetObject', objectArn('k')), { bucketPolicy: allowBucket }), 'implicit-deny', 'the grant names bob only');
  });

  it('actions compare without case, resources with it', () => {
    const policy = bucketPolicy([{ Effect: 'Allow', Principal: '*', Action: 'S3:getobject', Resource: `${BUCKET_ARN}/Docs/*` }]);
    assert.equal(decide(request(ANONYMOUS, 's3:GetObject', objectArn('Docs/a')), { bucketPolicy: policy }), 'allow');
    assert.equal(decide(request(ANONYMOUS, 's3:GetObject', objectArn('docs/a')), { bucketPolicy: policy }), 'implicit-deny');
  });

  it('NotAction and NotResource invert their match', () => {
    const policy = bucketPolicy([
      { Effect: 'Allow', Principal: { AWS: 'bob' }, NotAction: ['s3:DeleteObject', 's3:PutObject'], NotResource: `${BUCKET_ARN}/secret/*` },
    ]);
    assert.equal(decide(request(BOB, 's3:GetObject', objectArn('public/a')), { bucketPolicy: policy }), 'allow');
    assert.equal(decide(request(BOB, 's3:ListBucket', BUCKET_ARN), { bucketPolicy: policy }), 'allow');
    assert.equal(decide(request(BOB, 's3:DeleteObject', objectArn('public/a')), { bucketPolicy: policy }), 'implicit-deny');
    assert.equal(decide(request(BOB, 's3:GetObject', objectArn('secret/a')), { bucketPolicy: policy }), 'implicit-deny');
  });

  it('NotPrincipal in a Deny applies to everyone else', () => {
    const policy = bucketPolicy([
      { Effect: 'Deny', NotPrincipal: { AWS: 'alice' }, Action: 's3:*', Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`] },
      { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*` },
    ]);
    assert.equal(decide(request(ALICE, 's3:GetObject', objectArn('a')), { bucketPolicy: policy }), 'allow');
    assert.equal(decide(request(BOB, 's3:GetObject', objectArn('a')), { bucketPolicy: policy }), 'explicit-deny');
    assert.equal(decide(request(ANONYMOUS, 's3:GetObject', objectArn('a')), { bucketPolicy: policy }), 'explicit-deny');
  });

  it('Principal "*" includes anonymous requests; a named user does not', () => {
    const everyone = bucketPolicy([{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*` }]);
    const named = bucketPolicy([{ Effect: 'Allow', Principal: { AWS: ['bob', 'alice'] }, Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*` }]);
    assert.equal(decide(request(ANONYMOUS, 's3:GetObject', objectArn('a')), { bucketPolicy: everyone }), 'allow');
    assert.equal(decide(request(ANONYMOUS, 's3:GetObject', objectArn('a')), { bucketPolicy: named }), 'implicit-deny');
    assert.equal(decide(request(ANONYMOUS, 's3:GetObject', objectArn('a')), { bucketPolicy: everyone, ignoreBucketPolicyAllows: true }), 'implicit-deny');
  });

  it('ECR actions on repository ARNs: in user policies, and in repository policies (no Resource)', () => {
    const repo = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team/app`;
    const reader = userPolicy([{ Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team/*` }]);
    assert.equal(decide(request(ALICE, 'ecr:BatchGetImage', repo), { userPolicy: reader }), 'allow');
    assert.equal(decide(request(ALICE, 'ecr:PutImage', repo), { userPolicy: reader }), 'implicit-deny');
    const repositoryPolicy = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }] }), { kind: 'repository', accountId: ACCOUNT });
    assert.equal(decide(request(ANONYMOUS, 'ecr:BatchGetImage', repo), { bucketPolicy: repositoryPolicy }), 'allow');
    assert.equal(decide(request(ANONYMOUS, 'ecr:PutImage', repo), { bucketPolicy: repositoryPolicy }), 'implicit-deny');
    assert.throws(() => parsePolicy(JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ecr:NoSuchAction', Resource: '*' }] }), { kind: 'user', accountId: ACCOUNT }), PolicyError);
    assert.throws(() => parsePolicy(JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ecr:BatchGetImage' }] }), { kind: 'repository', accountId: ACCOUNT }), PolicyError);
  });

  it('the account principal denies every user but allows nobody by itself', () => {
    const allow = bucketPolicy([{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*` }]);
    const deny = bucketPolicy([{ Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*` }]);
    assert.equal(decide(request(BOB, 's3:GetObject', objectArn('a')), { bucketPolicy: allow }), 'implicit-deny');
    assert.equal(decide(request(BOB, 's3:GetObject', objectArn('a')), { bucketPolicy: deny, allowedByDefault: true }), 'explicit-deny');
  });

  it('user policy variables: a home prefix per user', () => {
    const policy = userPolicy([{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::shared/home/${aws:username}/*' }]);
    assert.equal(decide(request(ALICE, 's3:PutObject', 'arn:aws:s3:::shared/home/alice/x'), { userPolicy: policy }), 'allow');
    assert.equal(decide(request(ALICE, 's3:PutObject', 'arn:aws:s3:::shared/home/bob/x'), { userPolicy: policy }), 'implicit-deny');
  });
});

describe('conditions', () => {
  const withCondition = (condition: object, action = 's3:GetObject', resource = `${BUCKET_ARN}/*`) =>
    bucketPolicy([{ Effect: 'Allow', Principal: '*', Action: action, Resource: resource, Condition: condition }]);
  const get = (keys: Record<string, string | string[]>) => request(ANONYMOUS, 's3:GetObject', objectArn('a'), keys);
  const allowed = (policy: ParsedPolicy, keys: Record<string, string | string[]>) => decide(get(keys), { bucketPolicy: policy }) === 'allow';

  it('IpAddress / NotIpAddress with CIDRs, IPv4-mapped addresses and IPv6', () => {
    const inside = withCondition({ IpAddress: { 'aws:SourceIp': ['127.0.0.1/32', '2001:db8::/32'] } });
    assert.ok(allowed(inside, { 'aws:SourceIp': '127.0.0.1' }));
    assert.ok(allowed(inside, { 'aws:SourceIp': '::ffff:127.0.0.1' }));
    assert.ok(allowed(inside, { 'aws:SourceIp': '2001:db8::7' }));
    assert.ok(!allowed(inside, { 'aws:SourceIp': '10.1.2.3' }));
    const outside = withCondition({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } });
    assert.ok(allowed(outside, { 'aws:SourceIp': '127.0.0.1' }));
    assert.ok(!allowed(outside, { 'aws:SourceIp': '10.200.0.1' }));
  });

  it('StringEquals / StringLike / StringNotLike / IgnoreCase on s3:prefix; a missing key fails positive operators', () => {
    const list = (condition: object) => bucketPolicy([{ Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: BUCKET_ARN, Condition: condition }]);
    const listing = (keys: Record<string, string>) => request(ANONYMOUS, 's3:ListBucket', BUCKET_ARN, keys);
    const equals = list({ StringEquals: { 's3:prefix': ['public/', 'shared/'] } });
    assert.equal(decide(listing({ 's3:prefix': 'public/' }), { bucketPolicy: equals }), 'allow');
    assert.equal(decide(listing({ 's3:prefix': 'public/x' }), { bucketPolicy: equals }), 'implicit-deny');
    assert.equal(decide(listing({}), { bucketPolicy: equals }), 'implicit-deny');
    const like = list({ StringLike: { 's3:prefix': 'public/*' } });
    assert.equal(decide(listing({ 's3:prefix': 'public/x/y' }), { bucketPolicy: like }), 'allow');
    const notLike = list({ StringNotLike: { 's3:prefix': 'private/*' } });
    assert.equal(decide(listing({}), { bucketPolicy: notLike }), 'allow', 'a negated operator holds for a missing key');
    assert.equal(decide(listing({ 's3:prefix': 'private/a' }), { bucketPolicy: notLike }), 'implicit-deny');
    const ignoreCase = list({ StringEqualsIgnoreCase: { 's3:prefix': 'PUBLIC/' } });
    assert.equal(decide(listing({ 's3:prefix': 'public/' }), { bucketPolicy: ignoreCase }), 'allow');
    const ifExists = list({ StringEqualsIfExists: { 's3:prefix': 'public/' } });
    assert.equal(decide(listing({}), { bucketPolicy: ifExists }), 'allow');
    const isNull = list({ Null: { 's3:prefix': 'true' } });
    assert.equal(decide(listing({}), { bucketPolicy: isNull }), 'allow');
    assert.equal(decide(listing({ 's3:prefix': 'a' }), { bucketPolicy: isNull }), 'implicit-deny');
  });

  it('Bool aws:SecureTransport, Numeric and Date comparisons, several operators AND', () => {
    const deny = bucketPolicy([
      { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*` },
      { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `${BUCKET_ARN}/*`, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ]);
    assert.equal(decide(get({ 'aws:SecureTransport': 'false' }), { bucketPolicy: deny }), 'explicit-deny');
    assert.equal(decide(get({ 'aws:SecureTransport': 'true' }), { bucketPolicy: deny }), 'allow');
    const numeric = withCondition({ NumericLessThan: { 's3:max-keys': '10' } });
    assert.ok(allowed(numeric, { 's3:max-keys': '9' }));
    assert.ok(!allowed(numeric, { 's3:max-keys': '10' }));
    assert.ok(!allowed(numeric, { 's3:max-keys': 'ten' }));
    const window = withCondition({
      DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' },
      DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' },
    });
    assert.ok(allowed(window, { 'aws:CurrentTime': '2026-05-01T12:00:00Z' }));
    assert.ok(!allowed(window, { 'aws:CurrentTime': '2031-05-01T12:00:00Z' }));
    assert.ok(allowed(withCondition({ DateLessThan: { 'aws:EpochTime': '1900000000' } }), { 'aws:EpochTime': '1800000000' }));
  });

  it('s3:ExistingObjectTag and ForAllValues / ForAnyValue over multi-valued keys', () => {
    const tagged = withCondition({ StringEquals: { 's3:ExistingObjectTag/class': 'public' } });
    assert.ok(tagged.readsExistingObjectTags);
    assert.ok(allowed(tagged, { 's3:ExistingObjectTag/class': 'public' }));
    assert.ok(!allowed(tagged, { 's3:ExistingObjectTag/class': 'secret' }));
    const all = withCondition({ 'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['a', 'b'] } });
    assert.ok(allowed(all, { 's3:RequestObjectTagKeys': ['a'] }));
    assert.ok(allowed(all, {}), 'ForAllValues holds for no values');
    assert.ok(!allowed(all, { 's3:RequestObjectTagKeys': ['a', 'c'] }));
    const any = withCondition({ 'ForAnyValue:StringLike': { 's3:RequestObjectTagKeys': 'x*' } });
    assert.ok(allowed(any, { 's3:RequestObjectTagKeys': ['a', 'xy'] }));
    assert.ok(!allowed(any, {}));
  });
});

describe('documents S3 refuses (MalformedPolicy)', () => {
  const statement = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` };
  const policyText = (changes: object) => JSON.stringify({ Version: '2012-10-17', Statement: [{ ...statement, ...changes }] });

  it('refuses each fault with its message', () => {
    refused('not json', "Policies must be valid JSON and the first byte must be '{'");
    refused('{"Version": "2012-10-17", "Statement": [', 'This policy contains invalid Json');
    refused('{"Version": "2012-10-17"}', 'Missing required field Statement');
    refused('{"Version": "2012-10-17", "Statement": []}', 'Could not parse the policy: Statement is empty!');
    refused(JSON.stringify({ Version: '2013-01-01', Statement: [statement] }), 'The policy must contain a valid version string');
    refused(policyText({ Effect: undefined }), 'Missing required field Effect');
    refused(policyText({ Effect: 'Maybe' }), 'Invalid effect: Maybe');
    refused(policyText({ Action: 's3:GetObjekt' }), 'Policy has invalid action');
    refused(policyText({ Action: 'iam:CreateUser' }), 'Policy has invalid action');
    refused(policyText({ Resource: 'arn:aws:s3:::another-bucket/*' }), 'Policy has invalid resource');
    refused(policyText({ Resource: '*' }), 'Policy has invalid resource');
    refused(policyText({ Action: 's3:ListBucket' }), 'Action does not apply to any resource(s) in statement');
    refused(policyText({ Principal: { AWS: 'arn:aws:iam::111122223333:user/bob' } }), 'Invalid principal in policy');
    refused(policyText({ Principal: { AWS: 'not a name!' } }), 'Invalid principal in policy');
    refused(policyText({ Principal: undefined }), 'Missing required field Principal');
    refused(policyText({ Condition: { StringFuzzy: { 's3:prefix': 'a' } } }), 'Invalid Condition type : StringFuzzy');
    refused(policyText({ Condition: { StringEquals: { 's3:nonsense': 'a' } } }), 'Policy has an invalid condition key');
    refused(policyText({ Condition: { IpAddress: { 'aws:SourceIp': '300.1.1.1/8' } } }), 'Invalid IP address or range for IpAddress: 300.1.1.1/8');
    refused(policyText({ Surprise: true }), 'Unknown field Surprise');
    refused(JSON.stringify({ Version: '2012-10-17', Statement: [{ ...statement, Sid: 'a' }, { ...statement, Sid: 'a' }] }),
      'Statement IDs (SID) in a single policy must be unique.');
    refused(JSON.stringify({ Version: '2012-10-17', Statement: [statement] }), 'Policy document should not specify a principal.', { kind: 'user' });
  });

  it('names the users its principals reference, for the caller to check they exist', () => {
    const parsed = parsePolicy(policyText({ Principal: { AWS: ['bob', `arn:aws:iam::${ACCOUNT}:user/Carol`] } }), { kind: 'bucket', accountId: ACCOUNT, bucket: BUCKET });
    assert.deepEqual(parsed.referencedUserNames.sort(), ['bob', 'carol']);
  });
});

describe('public policies (GetBucketPolicyStatus, BlockPublicPolicy)', () => {
  const policy = (changes: object) => bucketPolicy([{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*`, ...changes }]);
  it('Principal "*" is public unless a condition confines it to fixed sources', () => {
    assert.ok(isPublicPolicy(policy({})));
    assert.ok(!isPublicPolicy(policy({ Principal: { AWS: 'bob' } })));
    assert.ok(!isPublicPolicy(policy({ Condition: { IpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } })));
    assert.ok(isPublicPolicy(policy({ Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/1' } } })));
    assert.ok(!isPublicPolicy(policy({ Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } })));
    assert.ok(isPublicPolicy(policy({ Condition: { StringLike: { 'aws:SourceAccount': '*' } } })));
    assert.ok(!isPublicPolicy(policy({ Effect: 'Deny' })));
  });
});
