// PutBucketReplication's document: parsed into the stored 'replication' setting and checked as S3
// checks it (V1 rules with Prefix, V2 rules with Filter, unique priorities and ids, DeleteMarker
// Replication only in V2, one destination in V1), and rendered back for GetBucketReplication.
import type { ReplicationConfiguration, ReplicationRule, Tag } from '../../index/types.js';
import { S3Error } from '../../frontend/errors.js';
import { asArray, node, type XmlNode } from '../../frontend/xml.js';

/** S3's limits: rules per configuration, an Id's length, a prefix's length (a key's). */
export const REPLICATION_RULES_MAX = 1000;
const ID_LENGTH_MAX = 255;
const PREFIX_LENGTH_MAX = 1024;
const STORAGE_CLASSES: ReadonlySet<string> = new Set([
  'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'OUTPOSTS', 'GLACIER_IR', 'EXPRESS_ONEZONE',
]);
const BUCKET_ARN_PATTERN = /^arn:aws:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/;
const ROLE_ARN_PATTERN = /^arn:aws:iam::[^:]*:role\/(?:[^/]+\/)*([^/]+)$/;

type Fields = Record<string, unknown>;

const SCHEMA_NOTE = 'for this version of Cross Region Replication configuration schema. Please refer to S3 Developer Guide for more information.';

function invalidRequest(message: string): S3Error {
  return new S3Error('InvalidRequest', message);
}

function fieldsOf(value: unknown): Fields {
  if (value === '' || value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new S3Error('MalformedXML');
  return value as Fields;
}

function text(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new S3Error('MalformedXML');
  return value;
}

function status(value: unknown): 'Enabled' | 'Disabled' {
  const given = text(value);
  if (given !== 'Enabled' && given !== 'Disabled') throw new S3Error('MalformedXML');
  return given;
}

function tagOf(value: unknown): Tag {
  const fields = fieldsOf(value);
  const key = text(fields['Key']);
  if (key === undefined || key === '') throw new S3Error('MalformedXML');
  return { key, value: text(fields['Value']) ?? '' };
}

/** A V2 Filter: Prefix, one Tag, or And (Prefix and Tags); one of them at most. */
function parseFilter(value: unknown): { prefix: string; tags: Tag[] } {
  const filter = fieldsOf(value);
  const present = ['Prefix', 'Tag', 'And'].filter((name) => filter[name] !== undefined);
  if (present.length > 1) throw new S3Error('MalformedXML');
  if (filter['And'] !== undefined) {
    const and = fieldsOf(filter['And']);
    return { prefix: text(and['Prefix']) ?? '', tags: asArray(and['Tag']).map(tagOf) };
  }
  if (filter['Tag'] !== undefined) {
    if (Array.isArray(filter['Tag'])) throw new S3Error('MalformedXML');
    return { prefix: '', tags: [tagOf(filter['Tag'])] };
  }
  return { prefix: text(filter['Prefix']) ?? '', tags: [] };
}

function parseDestination(value: unknown): ReplicationRule['destination'] {
  const destination = fieldsOf(value);
  const bucketArn = text(destination['Bucket']);
  if (bucketArn === undefined) throw new S3Error('MalformedXML');
  const match = BUCKET_ARN_PATTERN.exec(bucketArn);
  if (match === null) throw invalidRequest('Invalid bucket ARN.');
  const storageClass = text(destination['StorageClass']);
  if (storageClass !== undefined && !STORAGE_CLASSES.has(storageClass)) throw new S3Error('MalformedXML');
  const account = text(destination['Account']);
  return { bucket: match[1]!, bucketArn, ...(storageClass === undefined ? {} : { storageClass }), ...(account === undefined ? {} : { account }) };
}

function parseRule(item: unknown, position: number): ReplicationRule {
  const rule = fieldsOf(item);
  if (rule['Status'] === undefined || rule['Destination'] === undefined) throw new S3Error('MalformedXML');
  const filtered = rule['Filter'] !== undefined;
  if (filtered && rule['Prefix'] !== undefined) throw new S3Error('MalformedXML');
  const { prefix, tags } = filtered ? parseFilter(rule['Filter']) : { prefix: text(rule['Prefix']) ?? '', tags: [] };
  if (prefix.length > PREFIX_LENGTH_MAX) throw invalidRequest('The prefix is longer than 1024 characters.');
  const id = text(rule['ID']) ?? '';
  if (id.length > ID_LENGTH_MAX) throw invalidRequest('ID must not exceed 255 characters.');
  const priorityText = text(rule['Priority']);
  if (priorityText !== undefined && !/^\d{1,9}$/.test(priorityText)) throw new S3Error('MalformedXML');
  if (filtered && rule['DeleteMarkerReplication'] === undefined) throw invalidRequest(`DeleteMarkerReplication must be specified ${SCHEMA_NOTE}`);
  if (!filtered && rule['DeleteMarkerReplication'] !== undefined) throw invalidRequest(`DeleteMarkerReplication cannot be used ${SCHEMA_NOTE}`);
  if (!filtered && priorityText !== undefined) throw invalidRequest(`Priority cannot be used ${SCHEMA_NOTE}`);
  const deleteMarkers = fieldsOf(rule['DeleteMarkerReplication']);
  const existing = fieldsOf(rule['ExistingObjectReplication']);
  return {
    // S3 names a rule that came without an ID.
    id: id === '' ? `rule-${position + 1}` : id,
    priority: priorityText === undefined ? 0 : Number(priorityText),
    status: status(rule['Status']), prefix, tags, filtered,
    // V1 rules never replicate delete markers; V2 as configured.
    deleteMarkerReplication: filtered ? status(deleteMarkers['Status']) : 'Disabled',
    existingObjectReplication: rule['ExistingObjectReplication'] === undefined ? 'Disabled' : status(existing['Status']),
    destination: parseDestination(rule['Destination']),
  };
}

function refuseConflicts(rules: ReplicationRule[]): void {
  const ids = new Set<string>();
  const priorities = new Set<number>();
  for (const rule of rules) {
    if (ids.has(rule.id)) throw invalidRequest('Rule Id must be unique.');
    ids.add(rule.id);
    if (rule.filtered && priorities.has(rule.priority)) throw invalidRequest('Priority must be unique for each rule.');
    priorities.add(rule.priority);
  }
  if (rules.some((rule) => rule.filtered) && rules.some((rule) => !rule.filtered)) throw new S3Error('MalformedXML');
  if (rules.every((rule) => !rule.filtered) && new Set(rules.map((rule) => rule.destination.bucket)).size > 1) {
    throw invalidRequest('Number of distinct destination bucket ARNs cannot exceed 1');
  }
}

/** The rules and Role of a ReplicationConfiguration document (its target resolved by the caller). */
export function parseReplicationDocument(root: Fields): { role: string; roleName: string; rules: ReplicationRule[] } {
  const role = text(root['Role']);
  const items = asArray(root['Rule']);
  if (role === undefined || items.length === 0) throw new S3Error('MalformedXML');
  const roleMatch = ROLE_ARN_PATTERN.exec(role);
  if (roleMatch === null) throw invalidRequest('Invalid Role ARN.');
  if (items.length > REPLICATION_RULES_MAX) throw invalidRequest(`Number of rules cannot exceed ${REPLICATION_RULES_MAX}.`);
  const rules = items.map(parseRule);
  refuseConflicts(rules);
  return { role, roleName: roleMatch[1]!, rules };
}

function filterNode(rule: ReplicationRule): XmlNode {
  const tagNodes = rule.tags.map((tag) => node('Tag', [node('Key', tag.key), node('Value', tag.value)]));
  if (rule.tags.length === 0) return node('Filter', [node('Prefix', rule.prefix)]);
  if (rule.tags.length === 1 && rule.prefix === '') return node('Filter', tagNodes);
  return node('Filter', [node('And', [...(rule.prefix === '' ? [] : [node('Prefix', rule.prefix)]), ...tagNodes])]);
}

function ruleNode(rule: ReplicationRule): XmlNode {
  const destination = [
    node('Bucket', rule.destination.bucketArn), node('Account', rule.destination.account), node('StorageClass', rule.destination.storageClass),
  ];
  return node('Rule', [
    node('ID', rule.id),
    ...(rule.filtered ? [node('Priority', rule.priority), filterNode(rule)] : [node('Prefix', rule.prefix)]),
    node('Status', rule.status),
    ...(rule.existingObjectReplication === 'Enabled' ? [node('ExistingObjectReplication', [node('Status', 'Enabled')])] : []),
    node('Destination', destination),
    ...(rule.filtered ? [node('DeleteMarkerReplication', [node('Status', rule.deleteMarkerReplication)])] : []),
  ]);
}

/** The children of GetBucketReplication's ReplicationConfiguration. */
export function renderReplicationConfiguration(configuration: ReplicationConfiguration): XmlNode[] {
  return [node('Role', configuration.role), ...configuration.rules.map(ruleNode)];
}

/** The rule that decides a version's replication to one destination: the highest priority of those that match. */
export function ruleFor(configuration: ReplicationConfiguration, destination: string, key: string, tags: Tag[]): ReplicationRule | undefined {
  const matching = configuration.rules.filter((rule) => rule.status === 'Enabled' && rule.destination.bucket === destination && key.startsWith(rule.prefix)
    && rule.tags.every((wanted) => tags.some((tag) => tag.key === wanted.key && tag.value === wanted.value)));
  return matching.sort((a, b) => b.priority - a.priority)[0];
}
