// S3 errors: every failure the front end reports maps to AWS's error code and HTTP status
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).

/** AWS error code → HTTP status and default message. */
const S3_ERROR_TABLE = {
  AccessDenied: [403, 'Access Denied'],
  'KMS.DisabledException': [400, 'The KMS key is disabled.'],
  'KMS.NotFoundException': [400, 'Invalid keyId'],
  AccessControlListNotSupported: [400, 'The bucket does not allow ACLs'],
  AccessForbidden: [403, 'CORSResponse: This CORS request is not allowed.'],
  AuthorizationHeaderMalformed: [400, 'The authorization header is malformed.'],
  AuthorizationQueryParametersError: [400, 'Error parsing the X-Amz-Credential parameter.'],
  BadRequest: [400, 'Bad Request'],
  BadDigest: [400, 'The Content-MD5 or checksum value that you specified did not match what the server received.'],
  BucketAlreadyExists: [409, 'The requested bucket name is not available.'],
  BucketAlreadyOwnedByYou: [409, 'Your previous request to create the named bucket succeeded and you already own it.'],
  BucketNotEmpty: [409, 'The bucket you tried to delete is not empty.'],
  ConditionalRequestConflict: [409, 'A conflicting operation occurred. If using PutObject you can retry the request. If using multipart upload you should initiate another CreateMultipartUpload request and re-upload each part.'],
  ExpiredToken: [400, 'The provided token has expired.'],
  EntityTooLarge: [400, 'Your proposed upload exceeds the maximum allowed object size.'],
  EntityTooSmall: [400, 'Your proposed upload is smaller than the minimum allowed object size.'],
  CrossLocationLoggingProhibitted: [403, 'Cross S3 location logging not allowed.'],
  IllegalLocationConstraintException: [400, 'The specified location-constraint is not valid.'],
  IncompleteBody: [400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.'],
  InternalError: [500, 'We encountered an internal error. Please try again.'],
  InvalidAccessKeyId: [403, 'The AWS access key Id you provided does not exist in our records.'],
  InvalidArgument: [400, 'Invalid Argument'],
  InvalidBucketAclWithObjectOwnership: [400, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"],
  InvalidBucketName: [400, 'The specified bucket is not valid.'],
  InvalidBucketState: [409, 'The request is not valid with the current state of the bucket.'],
  InvalidDigest: [400, 'The Content-MD5 or checksum value that you specified is not valid.'],
  InvalidLocationConstraint: [400, 'The specified location constraint is not valid.'],
  InvalidPolicyDocument: [400, 'The content of the form does not meet the conditions specified in the policy document.'],
  InvalidRedirectLocation: [400, "The website redirect location must have a prefix of 'http://' or 'https://' or '/'."],
  InvalidObjectState: [403, 'The operation is not valid for the current state of the object.'],
  InvalidPart: [400, 'One or more of the specified parts could not be found.'],
  InvalidPartNumber: [416, 'The requested partnumber is not satisfiable'],
  InvalidPartOrder: [400, 'The list of parts was not in ascending order.'],
  InvalidRange: [416, 'The requested range is not satisfiable'],
  InvalidRequest: [400, 'Invalid Request'],
  InvalidURI: [400, "Couldn't parse the specified URI."],
  InvalidTargetBucketForLogging: [400, 'The target bucket for logging does not exist.'],
  InvalidTag: [400, 'The tag provided was not a valid tag.'],
  InvalidStorageClass: [400, 'The storage class you specified is not valid.'],
  KeyTooLongError: [400, 'Your key is too long.'],
  MalformedPolicy: [400, 'This policy contains invalid Json'],
  MalformedPOSTRequest: [400, 'The body of your POST request is not well-formed multipart/form-data.'],
  MalformedXML: [400, 'The XML you provided was not well-formed or did not validate against our published schema.'],
  MaxMessageLengthExceeded: [400, 'Your request was too big.'],
  // S3 sends this code without the "Error" suffix its error table gives it.
  MalformedACLError: [400, 'The XML you provided was not well-formed or did not validate against our published schema.'],
  MaxPostPreDataLengthExceeded: [400, 'Your POST request fields preceding the upload file were too large.'],
  MetadataConfigurationAlreadyExists: [409, 'The metadata table configuration already exists.'],
  MetadataConfigurationNotFound: [404, 'The metadata table configuration does not exist.'],
  MetadataTooLarge: [400, 'Your metadata headers exceed the maximum allowed metadata size.'],
  MethodNotAllowed: [405, 'The specified method is not allowed against this resource.'],
  MissingContentLength: [411, 'You must provide the Content-Length HTTP header.'],
  MissingSecurityHeader: [400, 'Your request is missing a required header.'],
  NoSuchBucket: [404, 'The specified bucket does not exist'],
  NoSuchBucketPolicy: [404, 'The bucket policy does not exist'],
  NoSuchCORSConfiguration: [404, 'The CORS configuration does not exist'],
  NoSuchLifecycleConfiguration: [404, 'The lifecycle configuration does not exist'],
  NoSuchPublicAccessBlockConfiguration: [404, 'The public access block configuration was not found'],
  NoSuchWebsiteConfiguration: [404, 'The specified bucket does not have a website configuration'],
  OwnershipControlsNotFoundError: [404, 'The bucket ownership controls were not found'],
  ObjectLockConfigurationNotFoundError: [404, 'Object Lock configuration does not exist for this bucket'],
  ReplicationConfigurationNotFoundError: [404, 'The replication configuration was not found'],
  ServerSideEncryptionConfigurationNotFoundError: [404, 'The server side encryption configuration was not found'],
  NoSuchKey: [404, 'The specified key does not exist.'],
  NoSuchObjectLockConfiguration: [404, 'The specified object does not have an ObjectLock configuration.'],
  NoSuchVersion: [404, 'The specified version does not exist.'],
  NoSuchTagSet: [404, 'The TagSet does not exist'],
  NoSuchUpload: [404, 'The specified upload does not exist.'],
  NotImplemented: [501, 'A header or query you provided implies functionality that is not implemented.'],
  NotModified: [304, 'Not Modified'],
  PreconditionFailed: [412, 'At least one of the preconditions you specified did not hold.'],
  RequestTimeTooSkewed: [403, 'The difference between the request time and the current time is too large.'],
  RequestTimeout: [400, 'Your socket connection to the server was not read from or written to within the timeout period.'],
  RestoreAlreadyInProgress: [409, 'Object restore is already in progress'],
  ServiceUnavailable: [503, 'Please reduce your request rate.'],
  SignatureDoesNotMatch: [403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'],
  SlowDown: [503, 'Please reduce your request rate.'],
  UnexpectedContent: [400, 'This request does not support content'],
  UnresolvableGrantByEmailAddress: [400, 'The email address you provided does not match any account on record.'],
  XAmzContentSHA256Mismatch: [400, 'The provided \'x-amz-content-sha256\' header does not match what was computed.'],
} as const satisfies Record<string, readonly [number, string]>;

export type S3ErrorCode = keyof typeof S3_ERROR_TABLE;

/**
 * An error that the front end answers with S3's XML error body. `extraFields` become additional
 * XML elements (AWS adds e.g. `<ArgumentName>`, `<BucketName>`, `<Key>` to some errors).
 */
export class S3Error extends Error {
  readonly code: S3ErrorCode;
  readonly httpStatus: number;
  readonly extraFields: Record<string, string>;
  /** Extra response headers (e.g. Content-Range on InvalidRange). */
  readonly headers: Record<string, string>;

  constructor(
    code: S3ErrorCode,
    message?: string,
    options: { extraFields?: Record<string, string>; headers?: Record<string, string> } = {},
  ) {
    const [httpStatus, defaultMessage] = S3_ERROR_TABLE[code];
    super(message ?? defaultMessage);
    this.name = 'S3Error';
    this.code = code;
    this.httpStatus = httpStatus;
    this.extraFields = options.extraFields ?? {};
    this.headers = options.headers ?? {};
  }
}

export function defaultMessageFor(code: S3ErrorCode): string {
  return S3_ERROR_TABLE[code][1];
}

export function httpStatusFor(code: S3ErrorCode): number {
  return S3_ERROR_TABLE[code][0];
}
