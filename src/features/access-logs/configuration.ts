// The BucketLoggingStatus document of Put/GetBucketLogging, to and from the 'logging' setting:
// LoggingEnabled with TargetBucket, TargetPrefix, TargetGrants and TargetObjectKeyFormat
// (SimplePrefix, or PartitionedPrefix with PartitionDateSource EventTime or DeliveryTime).
import { S3Error } from '../../frontend/errors.js';
import { asArray, escapeXmlText, node, xmlDocument, type XmlNode } from '../../frontend/xml.js';
import type { BucketLoggingSetting, LoggingGrant, LoggingKeyFormat } from '../../index/types.js';

/** Room in a 1024-byte key for the partition folders and the file name after the prefix. */
export const TARGET_PREFIX_BYTES_MAX = 512;
/** S3's limit on the grants of one ACL. */
export const TARGET_GRANTS_MAX = 100;
const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
const PERMISSIONS: ReadonlySet<string> = new Set(['FULL_CONTROL', 'READ', 'WRITE']);

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBlank(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && value.trim() === '');
}

function malformed(): S3Error {
  return new S3Error('MalformedXML');
}

function text(value: unknown): string {
  if (typeof value !== 'string') throw malformed();
  return value;
}

function parseGrant(value: unknown): LoggingGrant {
  if (!isFields(value) || !isFields(value['Grantee'])) throw malformed();
  const grantee = value['Grantee'];
  const permission = text(value['Permission']);
  if (!PERMISSIONS.has(permission)) throw malformed();
  const displayName = grantee['DisplayName'] === undefined ? {} : { displayName: text(grantee['DisplayName']) };
  // xsi:type names the grantee's kind on the wire; the element present says the same.
  if (grantee['ID'] !== undefined) return { granteeType: 'CanonicalUser', grantee: text(grantee['ID']), ...displayName, permission: permission as LoggingGrant['permission'] };
  if (grantee['EmailAddress'] !== undefined) return { granteeType: 'AmazonCustomerByEmail', grantee: text(grantee['EmailAddress']), ...displayName, permission: permission as LoggingGrant['permission'] };
  if (grantee['URI'] !== undefined) return { granteeType: 'Group', grantee: text(grantee['URI']), ...displayName, permission: permission as LoggingGrant['permission'] };
  throw malformed();
}

function parseKeyFormat(value: unknown): LoggingKeyFormat | undefined {
  if (value === undefined) return undefined;
  if (!isFields(value)) throw malformed();
  const simple = value['SimplePrefix'];
  const partitioned = value['PartitionedPrefix'];
  if ((simple === undefined) === (partitioned === undefined)) throw malformed();
  if (simple !== undefined) {
    if (!isBlank(simple)) throw malformed();
    return { kind: 'simple' };
  }
  // PartitionDateSource defaults to DeliveryTime when it is left out.
  const source = isFields(partitioned) ? partitioned['PartitionDateSource'] ?? 'DeliveryTime' : isBlank(partitioned) ? 'DeliveryTime' : undefined;
  if (source !== 'EventTime' && source !== 'DeliveryTime') throw malformed();
  return { kind: 'partitioned', dateSource: source };
}

/** The setting a BucketLoggingStatus document asks for; undefined: logging disabled (no LoggingEnabled). */
export function parseLoggingStatus(document: Record<string, unknown>): BucketLoggingSetting | undefined {
  if (!Object.hasOwn(document, 'BucketLoggingStatus')) throw malformed();
  const status = document['BucketLoggingStatus'];
  if (isBlank(status)) return undefined;
  if (!isFields(status)) throw malformed();
  const enabled = status['LoggingEnabled'];
  if (enabled === undefined) return undefined;
  if (!isFields(enabled)) throw malformed();
  const targetBucket = text(enabled['TargetBucket']);
  const targetPrefix = enabled['TargetPrefix'] === undefined ? undefined : enabled['TargetPrefix'];
  if (targetBucket === '' || typeof targetPrefix !== 'string') throw malformed();
  if (Buffer.byteLength(targetPrefix) > TARGET_PREFIX_BYTES_MAX) {
    throw new S3Error('InvalidArgument', `The target prefix may be at most ${TARGET_PREFIX_BYTES_MAX} bytes long.`, { extraFields: { ArgumentName: 'TargetPrefix' } });
  }
  const grantsElement = enabled['TargetGrants'];
  if (!isBlank(grantsElement) && !isFields(grantsElement)) throw malformed();
  const grants = isFields(grantsElement) ? asArray(grantsElement['Grant']).map(parseGrant) : [];
  if (grants.length > TARGET_GRANTS_MAX) throw new S3Error('InvalidArgument', `At most ${TARGET_GRANTS_MAX} target grants are allowed.`, { extraFields: { ArgumentName: 'TargetGrants' } });
  const keyFormat = parseKeyFormat(enabled['TargetObjectKeyFormat']);
  return { targetBucket, targetPrefix, targetGrants: grants, ...(keyFormat === undefined ? {} : { keyFormat }) };
}

/** A Grant element: its Grantee carries an xsi:type attribute, which the element builder cannot write. */
function grantNode(grant: LoggingGrant): XmlNode {
  const element = grant.granteeType === 'CanonicalUser' ? 'ID' : grant.granteeType === 'Group' ? 'URI' : 'EmailAddress';
  const displayName = grant.displayName === undefined ? '' : `<DisplayName>${escapeXmlText(grant.displayName)}</DisplayName>`;
  const grantee = `<Grantee xmlns:xsi="${XSI_NAMESPACE}" xsi:type="${grant.granteeType}"><${element}>${escapeXmlText(grant.grantee)}</${element}>${displayName}</Grantee>`;
  return { name: 'Grant', content: `${grantee}<Permission>${grant.permission}</Permission>`, escaped: true };
}

function keyFormatNode(format: LoggingKeyFormat): XmlNode {
  if (format.kind === 'simple') return node('TargetObjectKeyFormat', [node('SimplePrefix', '')]);
  return node('TargetObjectKeyFormat', [node('PartitionedPrefix', [node('PartitionDateSource', format.dateSource)])]);
}

export function loggingStatusDocument(setting: BucketLoggingSetting | undefined): string {
  if (setting === undefined) return xmlDocument('BucketLoggingStatus', []);
  return xmlDocument('BucketLoggingStatus', [node('LoggingEnabled', [
    node('TargetBucket', setting.targetBucket),
    node('TargetPrefix', setting.targetPrefix),
    setting.targetGrants.length === 0 ? node('TargetGrants', undefined) : node('TargetGrants', setting.targetGrants.map(grantNode)),
    setting.keyFormat === undefined ? node('TargetObjectKeyFormat', undefined) : keyFormatNode(setting.keyFormat),
  ])]);
}
