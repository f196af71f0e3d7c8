// S3 Tables' names and ARNs, and its errors: AWS's naming rules for table buckets, namespaces and
// tables ("Amazon S3 table bucket, table, and namespace naming rules"), the ARN shapes
// `arn:aws:s3tables:<region>:<account>:bucket/<name>` and `…/table/<table id>`, and the four
// exceptions of the API's model, answered as restJson1 errors (x-amzn-ErrorType + {"message"}).

export type TablesErrorCode = 'BadRequestException' | 'AccessDeniedException' | 'NotFoundException' | 'ConflictException' | 'NotImplemented';

const STATUS_BY_CODE: Record<TablesErrorCode, number> = {
  BadRequestException: 400, AccessDeniedException: 403, NotFoundException: 404, ConflictException: 409, NotImplemented: 501,
};

/** A failure of an S3 Tables request, in the API's own terms. */
export class TablesError extends Error {
  readonly status: number;
  constructor(readonly code: TablesErrorCode, message: string) {
    super(message);
    this.status = STATUS_BY_CODE[code];
  }
}

export const badRequest = (message: string): TablesError => new TablesError('BadRequestException', message);
export const notFound = (message: string): TablesError => new TablesError('NotFoundException', message);
export const conflict = (message: string): TablesError => new TablesError('ConflictException', message);

/**
 * The AWS-managed table bucket (S3 Metadata's tables): created by Cairn, readable by clients, and
 * refused every write (its reserved `aws` prefix keeps users from creating one of that name).
 */
export const MANAGED_TABLE_BUCKET_NAME = 'aws-s3';

const TABLE_BUCKET_NAME_LENGTH_MIN = 3;
const TABLE_BUCKET_NAME_LENGTH_MAX = 63;
const TABLE_BUCKET_RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-', 'aws'];
const TABLE_BUCKET_RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '--x-s3', '--table-s3'];
const TABLE_BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;
const CATALOG_NAME_LENGTH_MAX = 255;
/** Lowercase letters, digits and underscores, beginning and ending with a letter or digit. */
const CATALOG_NAME_PATTERN = /^[a-z0-9]([a-z0-9_]*[a-z0-9])?$/;
const NAMESPACE_RESERVED_PREFIX = 'aws';

export function checkTableBucketName(name: unknown): string {
  if (typeof name !== 'string') throw badRequest('The specified bucket name is not valid.');
  const valid = name.length >= TABLE_BUCKET_NAME_LENGTH_MIN && name.length <= TABLE_BUCKET_NAME_LENGTH_MAX
    && TABLE_BUCKET_NAME_PATTERN.test(name)
    && !TABLE_BUCKET_RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix))
    && !TABLE_BUCKET_RESERVED_SUFFIXES.some((suffix) => name.endsWith(suffix));
  if (!valid) throw badRequest('The specified bucket name is not valid.');
  return name;
}

function checkCatalogName(name: unknown, what: 'namespace' | 'table'): string {
  const valid = typeof name === 'string' && name.length <= CATALOG_NAME_LENGTH_MAX && CATALOG_NAME_PATTERN.test(name)
    && !(what === 'namespace' && name.startsWith(NAMESPACE_RESERVED_PREFIX));
  if (!valid) throw badRequest(`The specified ${what} name is not valid.`);
  return name as string;
}

export const checkNamespaceName = (name: unknown): string => checkCatalogName(name, 'namespace');
export const checkTableName = (name: unknown): string => checkCatalogName(name, 'table');

/** Where ARNs are minted and which they accept: this server's region and account. */
export interface ArnScope {
  region: string;
  accountId: string;
}

export function tableBucketArn(scope: ArnScope, name: string): string {
  return `arn:aws:s3tables:${scope.region}:${scope.accountId}:bucket/${name}`;
}

export function tableArn(scope: ArnScope, bucket: string, tableId: string): string {
  return `${tableBucketArn(scope, bucket)}/table/${tableId}`;
}

const TABLE_BUCKET_ARN_PATTERN = /^arn:aws[-a-z0-9]*:s3tables:([-a-z0-9]*):(\d{12}):bucket\/([a-z0-9_-]{3,63})$/;
const TABLE_ARN_PATTERN = /^arn:aws[-a-z0-9]*:s3tables:([-a-z0-9]*):(\d{12}):bucket\/([a-z0-9_-]{3,63})\/table\/([a-zA-Z0-9_-]{1,255})$/;

/**
 * The table bucket an ARN names. An ARN of another region or account names a bucket that is not
 * here (AWS answers so too: the bucket is looked up in the caller's account and region).
 */
export function bucketOfArn(scope: ArnScope, arn: string): string {
  const match = TABLE_BUCKET_ARN_PATTERN.exec(arn);
  if (match === null) throw badRequest('The specified table bucket ARN is not valid.');
  if (match[1] !== scope.region || match[2] !== scope.accountId) throw notFound('The specified bucket does not exist.');
  return match[3]!;
}

export function tableOfArn(scope: ArnScope, arn: string): { bucket: string; tableId: string } {
  const match = TABLE_ARN_PATTERN.exec(arn);
  if (match === null) throw badRequest('The specified table ARN is not valid.');
  if (match[1] !== scope.region || match[2] !== scope.accountId) throw notFound('The specified table does not exist.');
  return { bucket: match[3]!, tableId: match[4]! };
}
