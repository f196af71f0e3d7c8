// The 'replication' bucket setting: a bucket's replication configuration as Cairn keeps it
// (PutBucketReplication, parsed in src/features/replication), the check of its stored shape, and the
// match of one change's key against a rule's prefix (used inside the change's own index transaction,
// where the replication queue rows are written; tag filters are judged later, by the replicator).
import { array, finiteNumber, oneOf, optional, record, string, tagList } from './shape.js';
import type { Tag } from '../records.js';

export type ReplicationStatusValue = 'Enabled' | 'Disabled';

export interface ReplicationRule {
  id: string;
  priority: number;
  status: ReplicationStatusValue;
  /** The key prefix the rule covers ('' for every key); V1's Prefix or V2's Filter prefix. */
  prefix: string;
  /** V2 Filter tags: a version is replicated only when it carries every one. */
  tags: Tag[];
  /** True when the rule came with a Filter (S3's V2 schema), false for the V1 Prefix form. */
  filtered: boolean;
  deleteMarkerReplication: ReplicationStatusValue;
  existingObjectReplication: ReplicationStatusValue;
  destination: { bucket: string; bucketArn: string; storageClass?: string; account?: string };
}

export interface ReplicationConfiguration {
  role: string;
  /** The Cairn target of kind s3 the Role names; undefined: destinations are buckets on this server. */
  target?: string;
  rules: ReplicationRule[];
}

const STATUSES = ['Enabled', 'Disabled'] as const;

export function parseReplicationSetting(value: unknown): ReplicationConfiguration {
  const configuration = record(value, '');
  string(configuration['role'], 'role');
  optional(configuration, 'target', '', string);
  array(configuration['rules'], 'rules').forEach((item, position) => {
    const path = `rules[${position}]`;
    const rule = record(item, path);
    string(rule['id'], `${path}.id`);
    finiteNumber(rule['priority'], `${path}.priority`);
    oneOf(rule['status'], STATUSES, `${path}.status`);
    string(rule['prefix'], `${path}.prefix`);
    tagList(rule['tags'], `${path}.tags`);
    oneOf(rule['deleteMarkerReplication'], STATUSES, `${path}.deleteMarkerReplication`);
    oneOf(rule['existingObjectReplication'], STATUSES, `${path}.existingObjectReplication`);
    const destination = record(rule['destination'], `${path}.destination`);
    string(destination['bucket'], `${path}.destination.bucket`);
    string(destination['bucketArn'], `${path}.destination.bucketArn`);
    optional(destination, 'storageClass', `${path}.destination`, string);
    optional(destination, 'account', `${path}.destination`, string);
  });
  return value as ReplicationConfiguration;
}

/** The name of the queue of one destination of a source bucket (event_queue's target column). */
export const REPLICATION_QUEUE_PREFIX = 'replicate:';

export function replicationQueueName(sourceBucket: string, destinationBucket: string): string {
  return `${REPLICATION_QUEUE_PREFIX}${sourceBucket}/${destinationBucket}`;
}

/** The change kinds a replication queue carries (event names without "s3:"). */
export function replicatedChange(eventName: string): boolean {
  return eventName.startsWith('ObjectCreated:') || eventName === 'ObjectRemoved:DeleteMarkerCreated' || eventName.startsWith('ObjectTagging:');
}

/** The destinations (bucket names) whose enabled rules cover the key by prefix. */
export function destinationsOf(configuration: ReplicationConfiguration, key: string): string[] {
  const destinations = new Set<string>();
  for (const rule of configuration.rules) {
    if (rule.status === 'Enabled' && key.startsWith(rule.prefix)) destinations.add(rule.destination.bucket);
  }
  return [...destinations];
}
