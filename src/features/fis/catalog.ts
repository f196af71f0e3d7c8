// What Cairn's FIS API offers: the target resource types (the server's drives) and the actions an
// experiment template may name, with their parameters — the answers of ListActions, GetAction,
// ListTargetResourceTypes and GetTargetResourceType, and the table templates are validated against.
// The cairn:api:* actions take no target: they apply to every caller of the S3 API.
import type { ApiFaultAction, IndexFaultAction } from '../../services/faults/fault-store.js';
import type { HostAction } from '../../index/postgres/cluster-hosts.js';
import type { StateFaultAction } from '../../storage/faults/drive-faults.js';

export const DRIVE_RESOURCE_TYPE = 'cairn:storage:drive';
/** The key an action's `targets` map uses for its drives (FIS names it after the resource, e.g. "Instances"). */
export const DRIVES_TARGET_KEY = 'Drives';
/** The index database (PostgreSQL) as this server's processes reach it: ARN arn:aws:cairn:REGION:ACCOUNT:index/default. */
export const INDEX_RESOURCE_TYPE = 'cairn:index:database';
export const INDEX_TARGET_KEY = 'Databases';
export const INDEX_RESOURCE_NAME = 'index/default';
/** A front end or drive server of the cluster, as it registered in the index: ARN arn:aws:cairn:REGION:ACCOUNT:host/HOST_ID. */
export const HOST_RESOURCE_TYPE = 'cairn:cluster:host';
export const HOSTS_TARGET_KEY = 'Hosts';
export const WAIT_ACTION_ID = 'aws:fis:wait';

export interface ParameterSpec {
  description: string;
  required: boolean;
}

export interface ActionSpec {
  id: string;
  description: string;
  parameters: Record<string, ParameterSpec>;
  /** The resource type of each target key; empty for aws:fis:wait. */
  targets: Record<string, { resourceType: string }>;
  /** What the action does to each target drive: a drive fault for its duration, or a one-off corruption. */
  effect: { kind: 'drive-fault'; fault: StateFaultAction } | { kind: 'api-fault'; fault: ApiFaultAction } | { kind: 'index-fault'; fault: IndexFaultAction }
    | { kind: 'host'; action: HostAction } | { kind: 'corrupt' } | { kind: 'wait' };
}

const DURATION: ParameterSpec = { description: 'How long the action lasts, in ISO 8601 (PT30S, PT5M, PT1H); at most PT12H.', required: true };
const DRIVE_TARGETS = { [DRIVES_TARGET_KEY]: { resourceType: DRIVE_RESOURCE_TYPE } };
const INDEX_TARGETS = { [INDEX_TARGET_KEY]: { resourceType: INDEX_RESOURCE_TYPE } };
const HOST_TARGETS = { [HOSTS_TARGET_KEY]: { resourceType: HOST_RESOURCE_TYPE } };
/** The parameters of FIS's aws:fis:inject-api-* actions, for Cairn's S3 API (every caller, every worker). */
const API_FAULT_PARAMETERS: Record<string, ParameterSpec> = {
  duration: DURATION,
  operations: { description: 'The S3 operations to answer with the error, comma-separated (PutObject,GetObject).', required: true },
  percentage: { description: 'The share of those calls answered with the error, 1–100.', required: true },
  service: { description: 'The API namespace: s3 (the default; the only one).', required: false },
};

function apiFaultAction(fault: ApiFaultAction, answer: string): ActionSpec {
  return {
    id: `cairn:api:${fault}`, description: `Answers the percentage of calls to the chosen S3 operations with ${answer}.`,
    parameters: API_FAULT_PARAMETERS, targets: {}, effect: { kind: 'api-fault', fault },
  };
}

export const ACTIONS: readonly ActionSpec[] = [
  {
    id: 'cairn:drive:fail', description: 'Every read and write on the target drives fails, as if the drives were gone; the drives go offline.',
    parameters: { duration: DURATION }, targets: DRIVE_TARGETS, effect: { kind: 'drive-fault', fault: 'fail' },
  },
  {
    id: 'cairn:drive:slow', description: 'Every operation on the target drives is delayed.',
    parameters: { duration: DURATION, latencyMilliseconds: { description: 'The delay added to each operation, 1–60000 (default 100).', required: false } },
    targets: DRIVE_TARGETS, effect: { kind: 'drive-fault', fault: 'slow' },
  },
  {
    id: 'cairn:drive:read-only', description: 'Writes to the target drives fail; reads work.',
    parameters: { duration: DURATION }, targets: DRIVE_TARGETS, effect: { kind: 'drive-fault', fault: 'read-only' },
  },
  {
    id: 'cairn:drive:corrupt', description: 'Flips bytes inside stored records of the target drives, once; audit and reads detect and repair them.',
    parameters: { bytes: { description: 'How many bytes to corrupt on each drive, 1–1024 (default 1).', required: false } },
    targets: DRIVE_TARGETS, effect: { kind: 'corrupt' },
  },
  {
    id: 'cairn:index:pause', description: 'For the duration, every index call of this server fails fast as if the database were unreachable (503 SlowDown); then it serves again by itself.',
    parameters: { duration: DURATION }, targets: INDEX_TARGETS, effect: { kind: 'index-fault', fault: 'pause' },
  },
  {
    id: 'cairn:index:drop-connections', description: "Breaks every connection of this server's index pools, once: statements in flight fail (503 SlowDown), later requests reconnect.",
    parameters: {}, targets: INDEX_TARGETS, effect: { kind: 'index-fault', fault: 'drop-connections' },
  },
  {
    id: 'cairn:host:stop', description: 'The target hosts\' servers stop (as an orchestrator stops a task): every process of each exits.',
    parameters: {}, targets: HOST_TARGETS, effect: { kind: 'host', action: 'stop' },
  },
  {
    id: 'cairn:host:disrupt-connectivity', description: 'For the duration, the target hosts drop and refuse every connection and their own calls out fail: a lost zone.',
    parameters: { duration: DURATION }, targets: HOST_TARGETS, effect: { kind: 'host', action: 'disrupt-connectivity' },
  },
  apiFaultAction('internal-error', "S3's InternalError (500)"),
  apiFaultAction('throttle', "S3's SlowDown (503)"),
  apiFaultAction('unavailable', "S3's ServiceUnavailable (503)"),
  {
    id: WAIT_ACTION_ID, description: 'Waits for the duration: later actions can start after it.',
    parameters: { duration: DURATION }, targets: {}, effect: { kind: 'wait' },
  },
];

export const TARGET_RESOURCE_TYPES = [
  {
    resourceType: DRIVE_RESOURCE_TYPE,
    description: 'A drive of this server, ARN arn:aws:cairn:REGION:ACCOUNT:drive/N (N from 1, in the order of --drive). Drives carry no tags.',
    parameters: {},
  },
  {
    resourceType: INDEX_RESOURCE_TYPE,
    description: "The PostgreSQL index as this server's processes reach it, ARN arn:aws:cairn:REGION:ACCOUNT:index/default. Not offered on the SQLite index. Carries no tags.",
    parameters: {},
  },
  {
    resourceType: HOST_RESOURCE_TYPE,
    description: 'A front end or drive server registered in the PostgreSQL index (heard from in the last 10 s), ARN arn:aws:cairn:REGION:ACCOUNT:host/HOST_ID; its one tag is role (frontend or drive-server).',
    parameters: {},
  },
] as const;

export function actionSpec(id: string): ActionSpec | undefined {
  return ACTIONS.find((action) => action.id === id);
}

/** The answer shape of an action (GetAction; ListActions leaves parameters out). */
export function describeAction(action: ActionSpec, arnPrefix: string, withParameters: boolean): Record<string, unknown> {
  return {
    id: action.id, arn: `${arnPrefix}action/${action.id}`, description: action.description,
    ...(withParameters ? { parameters: action.parameters } : {}), targets: action.targets, tags: {},
  };
}
