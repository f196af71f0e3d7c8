// Valid request bodies for every S3 operation that takes one, for the fuzz suite to send as they
// are or damaged (values.ts mutateText). Each names the query that selects its operation, the
// method, and whether it addresses the bucket or an object.
import type { SeededRandom } from '../seeded-random.js';
import { hostileKey } from './values.js';

export interface BodyOperation {
  name: string;
  method: 'PUT' | 'POST';
  /** The subresource query selecting the operation. */
  query: Record<string, string>;
  target: 'bucket' | 'object';
  contentType: string;
  /** A valid body (given the random source, for the parts that vary). */
  body: (random: SeededRandom) => string;
  /** S3 requires Content-MD5 (or a checksum) on it. */
  needsMd5?: boolean;
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    .replace(/[\n\r\u0085\u2028\t]/g, (c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}

function tagSet(random: SeededRandom): string {
  const tags = Array.from({ length: random.int(0, 4) }, (_, index) => `<Tag><Key>${escapeXml(`t${index}${random.chance(0.3) ? hostileKey(random).slice(0, 40) : ''}`)}</Key><Value>${escapeXml(random.chance(0.5) ? 'v' : hostileKey(random).slice(0, 60))}</Value></Tag>`);
  return `<TagSet>${tags.join('')}</TagSet>`;
}

const futureDate = () => new Date(Date.now() + 86_400_000).toISOString();

export const BODY_OPERATIONS: BodyOperation[] = [
  {
    name: 'DeleteObjects', method: 'POST', query: { delete: '' }, target: 'bucket', contentType: 'application/xml', needsMd5: true,
    body: (random) => `<Delete ${NS}>${random.chance(0.5) ? '<Quiet>true</Quiet>' : ''}${Array.from({ length: random.int(1, 6) }, () => `<Object><Key>${escapeXml(hostileKey(random))}</Key>${random.chance(0.2) ? '<VersionId>null</VersionId>' : ''}</Object>`).join('')}</Delete>`,
  },
  { name: 'PutBucketTagging', method: 'PUT', query: { tagging: '' }, target: 'bucket', contentType: 'application/xml', needsMd5: true, body: (random) => `<Tagging ${NS}>${tagSet(random)}</Tagging>` },
  { name: 'PutObjectTagging', method: 'PUT', query: { tagging: '' }, target: 'object', contentType: 'application/xml', body: (random) => `<Tagging ${NS}>${tagSet(random)}</Tagging>` },
  {
    name: 'PutBucketLifecycleConfiguration', method: 'PUT', query: { lifecycle: '' }, target: 'bucket', contentType: 'application/xml', needsMd5: true,
    body: (random) => `<LifecycleConfiguration ${NS}><Rule><ID>${escapeXml(hostileKey(random).slice(0, 200))}</ID><Filter><Prefix>${escapeXml(hostileKey(random))}</Prefix></Filter><Status>Enabled</Status><Expiration><Days>${random.int(1, 400)}</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays></NoncurrentVersionExpiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>`,
  },
  {
    // Defect 2 of issue #13 (a CORS header that is not a valid header name answers 500 to every
    // request with Origin): CORS is fuzzed on a bucket no Origin request is sent to; see fuzz.test.ts.
    name: 'PutBucketCors', method: 'PUT', query: { cors: '' }, target: 'bucket', contentType: 'application/xml', needsMd5: true,
    body: (random) => `<CORSConfiguration ${NS}><CORSRule><ID>r${random.int(0, 9)}</ID><AllowedOrigin>${random.pick(['*', '*', 'https://a.example', 'http://*.b.example'])}</AllowedOrigin>${(random.chance(0.5) ? ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'] : [random.pick(['GET', 'PUT', 'HEAD', 'POST', 'DELETE'])]).map((method) => `<AllowedMethod>${method}</AllowedMethod>`).join('')}<AllowedHeader>${escapeXml(random.pick(['*', 'x-amz-*', 'a b', hostileKey(random)]))}</AllowedHeader><ExposeHeader>${escapeXml(random.pick(['ETag', 'x-amz-meta-a', 'E\u20acT', '\u00e9', hostileKey(random)]))}</ExposeHeader><MaxAgeSeconds>${random.int(0, 3600)}</MaxAgeSeconds></CORSRule></CORSConfiguration>`,
  },
  { name: 'PutBucketVersioning', method: 'PUT', query: { versioning: '' }, target: 'bucket', contentType: 'application/xml', body: (random) => `<VersioningConfiguration ${NS}><Status>${random.pick(['Enabled', 'Suspended', 'enabled', ''])}</Status></VersioningConfiguration>` },
  {
    name: 'PutObjectLockConfiguration', method: 'PUT', query: { 'object-lock': '' }, target: 'bucket', contentType: 'application/xml', needsMd5: true,
    body: (random) => {
      const unit = random.pick(['Days', 'Years']);
      return `<ObjectLockConfiguration ${NS}><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>${random.pick(['GOVERNANCE', 'COMPLIANCE', 'NONE'])}</Mode><${unit}>${random.int(0, 2)}</${unit}></DefaultRetention></Rule></ObjectLockConfiguration>`;
    },
  },
  { name: 'PutObjectRetention', method: 'PUT', query: { retention: '' }, target: 'object', contentType: 'application/xml', body: (random) => `<Retention ${NS}><Mode>${random.pick(['GOVERNANCE', 'COMPLIANCE', 'X'])}</Mode><RetainUntilDate>${random.chance(0.7) ? futureDate() : '2001-01-01T00:00:00Z'}</RetainUntilDate></Retention>` },
  { name: 'PutObjectLegalHold', method: 'PUT', query: { 'legal-hold': '' }, target: 'object', contentType: 'application/xml', body: (random) => `<LegalHold ${NS}><Status>${random.pick(['ON', 'OFF', 'on'])}</Status></LegalHold>` },
  { name: 'PutBucketAcl', method: 'PUT', query: { acl: '' }, target: 'bucket', contentType: 'application/xml', body: () => `<AccessControlPolicy ${NS}><Owner><ID>x</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>x</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>` },
  { name: 'PutObjectAcl', method: 'PUT', query: { acl: '' }, target: 'object', contentType: 'application/xml', body: () => `<AccessControlPolicy ${NS}><Owner><ID>x</ID></Owner><AccessControlList/></AccessControlPolicy>` },
  { name: 'PutBucketOwnershipControls', method: 'PUT', query: { ownershipControls: '' }, target: 'bucket', contentType: 'application/xml', body: (random) => `<OwnershipControls ${NS}><Rule><ObjectOwnership>${random.pick(['BucketOwnerEnforced', 'ObjectWriter', 'BucketOwnerPreferred'])}</ObjectOwnership></Rule></OwnershipControls>` },
  { name: 'PutPublicAccessBlock', method: 'PUT', query: { publicAccessBlock: '' }, target: 'bucket', contentType: 'application/xml', body: () => `<PublicAccessBlockConfiguration ${NS}><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets></PublicAccessBlockConfiguration>` },
  { name: 'PutBucketEncryption', method: 'PUT', query: { encryption: '' }, target: 'bucket', contentType: 'application/xml', body: () => `<ServerSideEncryptionConfiguration ${NS}><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>` },
  { name: 'PutBucketWebsite', method: 'PUT', query: { website: '' }, target: 'bucket', contentType: 'application/xml', body: (random) => `<WebsiteConfiguration ${NS}><IndexDocument><Suffix>${escapeXml(hostileKey(random))}</Suffix></IndexDocument></WebsiteConfiguration>` },
  { name: 'PutBucketNotification', method: 'PUT', query: { notification: '' }, target: 'bucket', contentType: 'application/xml', body: () => `<NotificationConfiguration ${NS}/>` },
  {
    name: 'CreateBucketMetadataConfiguration', method: 'POST', query: { metadataConfiguration: '' }, target: 'bucket', contentType: 'application/xml',
    body: (random) => `<MetadataConfiguration ${NS}><JournalTableConfiguration><RecordExpiration><Expiration>${random.pick(['ENABLED', 'DISABLED'])}</Expiration><Days>${random.int(0, 10000)}</Days></RecordExpiration></JournalTableConfiguration></MetadataConfiguration>`,
  },
  {
    name: 'PutBucketPolicy', method: 'PUT', query: { policy: '' }, target: 'bucket', contentType: 'application/json',
    body: (random) => JSON.stringify({
      Version: random.pick(['2012-10-17', '2008-10-17', 'x']),
      Statement: [{ Sid: 's', Effect: random.pick(['Allow', 'Deny']), Principal: random.pick(['*', { AWS: ['*'] }, { AWS: 'arn:aws:iam::1:root' }]), Action: random.pick(['s3:GetObject', 's3:*', ['s3:ListBucket']]), Resource: random.pick(['arn:aws:s3:::fuzz-ops/*', 'arn:aws:s3:::fuzz-ops', '*']), Condition: random.chance(0.5) ? { StringLike: { 's3:prefix': [hostileKey(random)] } } : undefined }],
    }),
  },
  { name: 'PutBucketRequestPayment', method: 'PUT', query: { requestPayment: '' }, target: 'bucket', contentType: 'application/xml', body: () => `<RequestPaymentConfiguration ${NS}><Payer>Requester</Payer></RequestPaymentConfiguration>` },
  { name: 'RestoreObject', method: 'POST', query: { restore: '' }, target: 'object', contentType: 'application/xml', body: (random) => `<RestoreRequest ${NS}><Days>${random.int(0, 30)}</Days></RestoreRequest>` },
  { name: 'CreateBucket', method: 'PUT', query: {}, target: 'bucket', contentType: 'application/xml', body: (random) => `<CreateBucketConfiguration ${NS}><LocationConstraint>${random.pick(['us-east-1', 'eu-west-1', ''])}</LocationConstraint></CreateBucketConfiguration>` },
  { name: 'SelectObjectContent', method: 'POST', query: { select: '', 'select-type': '2' }, target: 'object', contentType: 'application/xml', body: () => `<SelectObjectContentRequest ${NS}><Expression>SELECT * FROM S3Object</Expression><ExpressionType>SQL</ExpressionType></SelectObjectContentRequest>` },
];

/** A CompleteMultipartUpload body for parts 1..count with the given ETags (or hostile ones). */
export function completeBody(etags: string[], random: SeededRandom): string {
  const parts = etags.map((etag, index) => `<Part><PartNumber>${random.chance(0.9) ? index + 1 : random.pick(['0', '10001', '-1', 'x', '1'])}</PartNumber><ETag>${random.chance(0.85) ? etag : escapeXml(hostileKey(random))}</ETag></Part>`);
  if (random.chance(0.2)) parts.reverse();
  return `<CompleteMultipartUpload ${NS}>${parts.join('')}</CompleteMultipartUpload>`;
}

/** The CompleteMultipartUpload body a correct client sends: every part, in order, with its ETag. */
export function validCompleteBody(etags: string[]): string {
  return `<CompleteMultipartUpload ${NS}>${etags.map((etag, index) => `<Part><PartNumber>${index + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
}
