// PutBucketNotificationConfiguration's document: parsed into the stored 'notification' setting,
// validated as S3 validates it (event names, filter rules, overlapping rules, destinations), and
// rendered back for GetBucketNotificationConfiguration.
import { randomUUID } from 'node:crypto';
import type { NotificationConfiguration, NotificationRule, NotificationRuleKind } from '../../index/types.js';
import { eventPatternMatches } from '../../index/settings/notification.js';
import { S3Error } from '../../frontend/errors.js';
import { asArray, node, type XmlNode } from '../../frontend/xml.js';

/** S3's event names (botocore's Event enum): anything else is InvalidArgument. */
export const S3_EVENT_NAMES: ReadonlySet<string> = new Set([
  's3:ReducedRedundancyLostObject', 's3:ObjectCreated:*', 's3:ObjectCreated:Put', 's3:ObjectCreated:Post', 's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload', 's3:ObjectRemoved:*', 's3:ObjectRemoved:Delete', 's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*', 's3:ObjectRestore:Post', 's3:ObjectRestore:Completed', 's3:ObjectRestore:Delete', 's3:Replication:*',
  's3:Replication:OperationFailedReplication', 's3:Replication:OperationNotTracked', 's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold', 's3:LifecycleTransition', 's3:IntelligentTiering', 's3:ObjectAcl:Put',
  's3:LifecycleExpiration:*', 's3:LifecycleExpiration:Delete', 's3:LifecycleExpiration:DeleteMarkerCreated', 's3:ObjectTagging:*',
  's3:ObjectTagging:Put', 's3:ObjectTagging:Delete',
]);

/** Configurations per bucket, and filter values' length (S3: key-length values). */
export const NOTIFICATION_RULES_MAX = 100;
const FILTER_VALUE_LENGTH_MAX = 1024;
const ID_LENGTH_MAX = 255;

const KINDS: ReadonlyArray<{ kind: NotificationRuleKind; element: string; arnElement: string }> = [
  { kind: 'Topic', element: 'TopicConfiguration', arnElement: 'Topic' },
  { kind: 'Queue', element: 'QueueConfiguration', arnElement: 'Queue' },
  { kind: 'CloudFunction', element: 'CloudFunctionConfiguration', arnElement: 'CloudFunction' },
];

type Fields = Record<string, unknown>;

export function invalidArgument(message: string, name: string, value: string): S3Error {
  return new S3Error('InvalidArgument', message, { extraFields: { ArgumentName: name, ArgumentValue: value } });
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function fieldsOf(value: unknown): Fields {
  if (value === '' || value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new S3Error('MalformedXML');
  return value as Fields;
}

function parseFilter(rule: Fields): { prefix?: string; suffix?: string } {
  const filterRules = asArray(fieldsOf(fieldsOf(fieldsOf(rule['Filter'])['S3Key'])).FilterRule);
  const filter: { prefix?: string; suffix?: string } = {};
  for (const item of filterRules) {
    const fields = fieldsOf(item);
    const name = text(fields['Name'])?.toLowerCase();
    const value = text(fields['Value']) ?? '';
    if (name !== 'prefix' && name !== 'suffix') throw invalidArgument('filter rule name must be either prefix or suffix', 'FilterRule', text(fields['Name']) ?? '');
    if (filter[name] !== undefined) throw invalidArgument(`Cannot specify more than one ${name} rule in a filter.`, 'FilterRule', name);
    if (value.length > FILTER_VALUE_LENGTH_MAX) throw invalidArgument('The filter value is longer than 1024 characters.', 'FilterRule', name);
    filter[name] = value;
  }
  return filter;
}

function parseRule(kind: NotificationRuleKind, arnElement: string, item: unknown): Omit<NotificationRule, 'target'> {
  const fields = fieldsOf(item);
  const arn = text(fields[arnElement]);
  if (arn === undefined || arn === '') throw new S3Error('MalformedXML');
  const events = asArray(fields['Event']).map((event) => text(event) ?? '');
  if (events.length === 0) throw new S3Error('MalformedXML');
  for (const event of events) {
    if (!S3_EVENT_NAMES.has(event)) throw invalidArgument('The event is not supported for notifications', 'Event', event);
  }
  const id = text(fields['Id']) ?? '';
  if (id.length > ID_LENGTH_MAX) throw invalidArgument('The Id is longer than 255 characters.', 'Id', id);
  // S3 names a configuration that came without an Id itself.
  return { id: id === '' ? randomUUID() : id, kind, arn, events: [...new Set(events)], ...parseFilter(fields) };
}

/** Prefixes (or suffixes) overlap when one starts (ends) with the other; an absent one matches every key. */
function affixesOverlap(a: string | undefined, b: string | undefined, atEnd: boolean): boolean {
  if (a === undefined || b === undefined) return true;
  return atEnd ? a.endsWith(b) || b.endsWith(a) : a.startsWith(b) || b.startsWith(a);
}

function eventsOverlap(a: string[], b: string[]): boolean {
  return a.some((x) => b.some((y) => eventPatternMatches(x, y.slice(3)) || eventPatternMatches(y, x.slice(3)) || x === y));
}

/** S3 refuses two configurations that could both match one event of one key (for one event type). */
function refuseAmbiguity(rules: Array<Omit<NotificationRule, 'target'>>): void {
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      const a = rules[i]!;
      const b = rules[j]!;
      if (eventsOverlap(a.events, b.events) && affixesOverlap(a.prefix, b.prefix, false) && affixesOverlap(a.suffix, b.suffix, true)) {
        throw invalidArgument(
          'Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.',
          'Event', a.events.find((x) => eventsOverlap([x], b.events)) ?? a.events[0]!,
        );
      }
    }
  }
}

/** The configurations of a NotificationConfiguration document (targets resolved later). */
export function parseNotificationDocument(root: Fields): { rules: Array<Omit<NotificationRule, 'target'>>; eventBridge: boolean } {
  const rules: Array<Omit<NotificationRule, 'target'>> = [];
  for (const { kind, element, arnElement } of KINDS) {
    for (const item of asArray(root[element])) rules.push(parseRule(kind, arnElement, item));
  }
  if (rules.length > NOTIFICATION_RULES_MAX) throw invalidArgument(`At most ${NOTIFICATION_RULES_MAX} notification configurations are allowed.`, 'NotificationConfiguration', String(rules.length));
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) throw invalidArgument('Configuration Ids must be unique.', 'Id', rule.id);
    ids.add(rule.id);
  }
  refuseAmbiguity(rules);
  return { rules, eventBridge: root['EventBridgeConfiguration'] !== undefined };
}

function filterNodes(rule: NotificationRule): XmlNode[] {
  const filterRules: XmlNode[] = [];
  if (rule.prefix !== undefined) filterRules.push(node('FilterRule', [node('Name', 'Prefix'), node('Value', rule.prefix)]));
  if (rule.suffix !== undefined) filterRules.push(node('FilterRule', [node('Name', 'Suffix'), node('Value', rule.suffix)]));
  return filterRules.length === 0 ? [] : [node('Filter', [node('S3Key', filterRules)])];
}

/** The document GetBucketNotificationConfiguration answers (children of NotificationConfiguration). */
export function renderNotificationConfiguration(configuration: NotificationConfiguration | undefined): XmlNode[] {
  const nodes: XmlNode[] = [];
  for (const { kind, element, arnElement } of KINDS) {
    for (const rule of configuration?.rules.filter((candidate) => candidate.kind === kind) ?? []) {
      nodes.push(node(element, [node('Id', rule.id), node(arnElement, rule.arn), ...rule.events.map((event) => node('Event', event)), ...filterNodes(rule)]));
    }
  }
  if (configuration?.eventBridge === true) nodes.push(node('EventBridgeConfiguration', []));
  return nodes;
}
