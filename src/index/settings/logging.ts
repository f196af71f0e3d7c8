// The 'logging' bucket setting (PutBucketLogging): where the bucket's server access logs go, the
// grants asked for on the log objects (kept and echoed), and how the log objects' keys are made.
import { array, oneOf, optional, record, string, type Fields } from './shape.js';

export type LoggingGranteeType = 'CanonicalUser' | 'AmazonCustomerByEmail' | 'Group';
export type LoggingPermission = 'FULL_CONTROL' | 'READ' | 'WRITE';

export interface LoggingGrant {
  granteeType: LoggingGranteeType;
  /** Canonical user id, email address or group URI, by granteeType. */
  grantee: string;
  displayName?: string;
  permission: LoggingPermission;
}

/** SimplePrefix: `[prefix]YYYY-mm-DD-HH-MM-SS-Unique`; PartitionedPrefix: dated folders per account, region and bucket. */
export type LoggingKeyFormat = { kind: 'simple' } | { kind: 'partitioned'; dateSource: 'EventTime' | 'DeliveryTime' };

export interface BucketLoggingSetting {
  targetBucket: string;
  targetPrefix: string;
  targetGrants: LoggingGrant[];
  /** Absent when the request named none (S3 then uses SimplePrefix and echoes nothing). */
  keyFormat?: LoggingKeyFormat;
}

const GRANTEE_TYPES: readonly LoggingGranteeType[] = ['CanonicalUser', 'AmazonCustomerByEmail', 'Group'];
const PERMISSIONS: readonly LoggingPermission[] = ['FULL_CONTROL', 'READ', 'WRITE'];

function parseGrant(value: unknown, path: string): LoggingGrant {
  const fields = record(value, path);
  optional(fields, 'displayName', path, string);
  return {
    granteeType: oneOf(fields['granteeType'], GRANTEE_TYPES, `${path}.granteeType`),
    grantee: string(fields['grantee'], `${path}.grantee`),
    ...(fields['displayName'] === undefined ? {} : { displayName: fields['displayName'] as string }),
    permission: oneOf(fields['permission'], PERMISSIONS, `${path}.permission`),
  };
}

function parseKeyFormat(value: unknown, path: string): LoggingKeyFormat {
  const fields: Fields = record(value, path);
  const kind = oneOf(fields['kind'], ['simple', 'partitioned'] as const, `${path}.kind`);
  if (kind === 'simple') return { kind };
  return { kind, dateSource: oneOf(fields['dateSource'], ['EventTime', 'DeliveryTime'] as const, `${path}.dateSource`) };
}

export function parseLoggingSetting(value: unknown): BucketLoggingSetting {
  const fields = record(value, '');
  return {
    targetBucket: string(fields['targetBucket'], 'targetBucket'),
    targetPrefix: string(fields['targetPrefix'], 'targetPrefix'),
    targetGrants: array(fields['targetGrants'], 'targetGrants').map((grant, position) => parseGrant(grant, `targetGrants[${position}]`)),
    ...(fields['keyFormat'] === undefined ? {} : { keyFormat: parseKeyFormat(fields['keyFormat'], 'keyFormat') }),
  };
}
