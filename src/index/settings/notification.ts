// The 'notification' bucket setting: a bucket's event notification configuration as Cairn keeps it
// (PutBucketNotificationConfiguration, parsed in src/features/events), the check of its stored shape,
// and the match of one change against a rule (used inside the change's own index transaction).
import { array, oneOf, optional, record, string } from './shape.js';

export type NotificationRuleKind = 'Queue' | 'Topic' | 'CloudFunction';

export interface NotificationRule {
  /** The configuration's Id (generated when the client gave none). */
  id: string;
  kind: NotificationRuleKind;
  /** The ARN as the client gave it (QueueArn, TopicArn or LambdaFunctionArn). */
  arn: string;
  /** The Cairn target the ARN names. */
  target: string;
  /** Event names with the "s3:" prefix, as configured (wildcards such as s3:ObjectCreated:*). */
  events: string[];
  prefix?: string;
  suffix?: string;
}

export interface NotificationConfiguration {
  rules: NotificationRule[];
  eventBridge?: boolean;
}

const RULE_KINDS = ['Queue', 'Topic', 'CloudFunction'] as const;

export function parseNotificationSetting(value: unknown): NotificationConfiguration {
  const configuration = record(value, '');
  array(configuration['rules'], 'rules').forEach((item, position) => {
    const path = `rules[${position}]`;
    const rule = record(item, path);
    string(rule['id'], `${path}.id`);
    oneOf(rule['kind'], RULE_KINDS, `${path}.kind`);
    string(rule['arn'], `${path}.arn`);
    string(rule['target'], `${path}.target`);
    array(rule['events'], `${path}.events`).forEach((name, at) => string(name, `${path}.events[${at}]`));
    optional(rule, 'prefix', path, string);
    optional(rule, 'suffix', path, string);
  });
  return value as NotificationConfiguration;
}

/** "s3:ObjectCreated:*" matches "ObjectCreated:Put"; an exact name matches itself. */
export function eventPatternMatches(pattern: string, eventName: string): boolean {
  const bare = pattern.startsWith('s3:') ? pattern.slice(3) : pattern;
  if (bare.endsWith(':*')) return eventName.startsWith(bare.slice(0, -1));
  return bare === eventName;
}

/** Whether a change (its event name without "s3:", and its key) is one the rule asks for. */
export function ruleMatches(rule: Pick<NotificationRule, 'events' | 'prefix' | 'suffix'>, eventName: string, key: string): boolean {
  if (rule.prefix !== undefined && !key.startsWith(rule.prefix)) return false;
  if (rule.suffix !== undefined && !key.endsWith(rule.suffix)) return false;
  return rule.events.length === 0 || rule.events.some((pattern) => eventPatternMatches(pattern, eventName));
}
