// Experiment templates as FIS defines them (CreateExperimentTemplate, UpdateExperimentTemplate):
// validated against Cairn's catalog — an unknown action, target or resource type, a missing
// parameter, a startAfter naming no action or making a cycle, a stop condition on an unknown metric —
// each a ValidationException, and nothing is saved.
import { S3_ENDPOINTS, S3_UNCONFIGURED_ENDPOINTS } from '../../frontend/s3/endpoints.js';
import { FAULT_CORRUPT_BYTES_MAX, FAULT_LATENCY_MS_MAX } from '../../services/faults/fault-store.js';
import { ACTIONS, actionSpec, DRIVE_RESOURCE_TYPE, HOST_RESOURCE_TYPE, INDEX_RESOURCE_NAME, INDEX_RESOURCE_TYPE, TARGET_RESOURCE_TYPES } from './catalog.js';
import { parseIsoDurationMs } from './durations.js';
import { FisValidationError } from './errors.js';
import { parseStopCondition, type StopCondition } from './stop-conditions.js';

export const TEMPLATE_ACTIONS_MAX = 16;
export const TEMPLATE_TARGETS_MAX = 8;
export const TEMPLATE_TAGS_MAX = 50;
const DESCRIPTION_CHARS_MAX = 512;
const NAME_PATTERN = /^[\S]{1,64}$/;
const SELECTION_MODE_PATTERN = /^(ALL|COUNT\((\d{1,4})\)|PERCENT\((\d{1,3})\))$/;
const DRIVE_ARN_PATTERN = /^arn:aws:cairn:([^:]*):([^:]*):drive\/(\d{1,4})$/;
const HOST_ARN_PATTERN = /^arn:aws:cairn:([^:]*):([^:]*):host\/([A-Za-z0-9._:-]{1,128})$/;
/** The tags a host target may select by: its role. */
const HOST_ROLES = ['frontend', 'drive-server'];
export const API_FAULT_OPERATIONS_MAX = 32;
/** The S3 operations an API fault may name. */
const S3_OPERATION_NAMES = new Set([...S3_ENDPOINTS, ...S3_UNCONFIGURED_ENDPOINTS].map((endpoint) => endpoint.name));

export interface TemplateTarget {
  resourceType: string;
  resourceArns?: string[];
  /** Hosts only: { role: frontend | drive-server }. */
  resourceTags?: Record<string, string>;
  selectionMode: string;
}

export interface TemplateAction {
  actionId: string;
  description?: string;
  parameters: Record<string, string>;
  targets: Record<string, string>;
  startAfter: string[];
}

export interface TemplateBody {
  description: string;
  roleArn: string;
  targets: Record<string, TemplateTarget>;
  actions: Record<string, TemplateAction>;
  stopConditions: StopCondition[];
}

export interface TemplateScope {
  region: string;
  accountId: string;
  driveCount: number;
  /** Whether the index is PostgreSQL: it takes injected faults, and holds the cluster's host registry. */
  onPostgres: boolean;
}

const invalid = (message: string): FisValidationError => new FisValidationError(message);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, what: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value) || Object.values(value).some((entry) => typeof entry !== 'string')) throw invalid(`${what} must be a map of strings.`);
  return value as Record<string, string>;
}

function stringList(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) throw invalid(`${what} must be a list of strings.`);
  return value as string[];
}

/** The drive a drive ARN names (1-based), checked against the server's region, account and drives. */
export function driveOfArn(arn: string, scope: TemplateScope): number {
  const match = DRIVE_ARN_PATTERN.exec(arn);
  const drive = Number(match?.[3]);
  if (match === null || match[1] !== scope.region || match[2] !== scope.accountId || drive < 1 || drive > scope.driveCount) {
    throw invalid(`Target resource ${arn} is not a drive of this server (arn:aws:cairn:${scope.region}:${scope.accountId}:drive/1 to /${scope.driveCount}).`);
  }
  return drive;
}

/** The index's one ARN, checked against the server's region and account. */
export function checkIndexArn(arn: string, scope: TemplateScope): void {
  const expected = `arn:aws:cairn:${scope.region}:${scope.accountId}:${INDEX_RESOURCE_NAME}`;
  if (arn !== expected) throw invalid(`Target resource ${arn} is not this server's index (${expected}).`);
}

/** The host id a host ARN names, checked against the server's region and account (whether it is registered is checked when the experiment starts). */
export function hostOfArn(arn: string, scope: TemplateScope): string {
  const match = HOST_ARN_PATTERN.exec(arn);
  if (match === null || match[1] !== scope.region || match[2] !== scope.accountId) {
    throw invalid(`Target resource ${arn} is not a host ARN of this cluster (arn:aws:cairn:${scope.region}:${scope.accountId}:host/HOST_ID).`);
  }
  return match[3]!;
}

/** Checks a target's resource ARNs against its resource type. */
function checkArn(arn: string, resourceType: string, scope: TemplateScope): void {
  if (resourceType === INDEX_RESOURCE_TYPE) checkIndexArn(arn, scope);
  else if (resourceType === HOST_RESOURCE_TYPE) hostOfArn(arn, scope);
  else driveOfArn(arn, scope);
}

/** A host target's tags: role only, one of the roles. */
function hostTags(name: string, value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const tags = stringMap(value, `Target ${name} resourceTags`);
  for (const [tag, tagValue] of Object.entries(tags)) {
    if (tag !== 'role' || !HOST_ROLES.includes(tagValue)) throw invalid(`Target ${name}: hosts carry one tag, role (${HOST_ROLES.join(' or ')}); ${tag}=${tagValue} selects none.`);
  }
  return tags;
}

function parseTarget(name: string, value: unknown, scope: TemplateScope): TemplateTarget {
  if (!NAME_PATTERN.test(name)) throw invalid(`Target name "${name}" is not valid.`);
  if (!isRecord(value)) throw invalid(`Target ${name} must be an object.`);
  const resourceType = value['resourceType'];
  const supported = TARGET_RESOURCE_TYPES.map((type) => type.resourceType as string);
  if (typeof resourceType !== 'string' || !supported.includes(resourceType)) {
    throw invalid(`Target ${name}: resourceType ${String(resourceType)} is not supported; supported: ${supported.join(', ')}.`);
  }
  if (resourceType !== DRIVE_RESOURCE_TYPE && !scope.onPostgres) throw invalid(`Target ${name}: ${resourceType} needs the PostgreSQL index; this server's index is SQLite.`);
  const selectionMode = value['selectionMode'];
  const mode = typeof selectionMode === 'string' ? SELECTION_MODE_PATTERN.exec(selectionMode) : null;
  if (mode === null) throw invalid(`Target ${name}: selectionMode must be ALL, COUNT(n) or PERCENT(n).`);
  if (mode[3] !== undefined && Number(mode[3]) > 100) throw invalid(`Target ${name}: PERCENT(n) takes n from 0 to 100.`);
  const tags = resourceType === HOST_RESOURCE_TYPE ? hostTags(name, value['resourceTags']) : undefined;
  if (resourceType !== HOST_RESOURCE_TYPE && value['resourceTags'] !== undefined && Object.keys(stringMap(value['resourceTags'], `Target ${name} resourceTags`)).length > 0) {
    throw invalid(`Target ${name}: ${resourceType} resources carry no tags; name them by resourceArns, or give neither to target every one.`);
  }
  if (value['filters'] !== undefined || value['parameters'] !== undefined) throw invalid(`Target ${name}: filters and parameters do not apply to ${resourceType}.`);
  const target: TemplateTarget = { resourceType, selectionMode: selectionMode as string, ...(tags === undefined ? {} : { resourceTags: tags }) };
  if (value['resourceArns'] !== undefined) {
    const arns = stringList(value['resourceArns'], `Target ${name} resourceArns`);
    for (const arn of arns) checkArn(arn, resourceType, scope);
    if (new Set(arns).size !== arns.length) throw invalid(`Target ${name}: a resource is named twice.`);
    target.resourceArns = arns;
  }
  return target;
}

function parseAction(name: string, value: unknown, targets: Record<string, TemplateTarget>): TemplateAction {
  if (!NAME_PATTERN.test(name)) throw invalid(`Action name "${name}" is not valid.`);
  if (!isRecord(value)) throw invalid(`Action ${name} must be an object.`);
  const spec = typeof value['actionId'] === 'string' ? actionSpec(value['actionId']) : undefined;
  if (spec === undefined) throw invalid(`Action ${name}: actionId ${String(value['actionId'])} is not supported; supported: ${ACTIONS.map((action) => action.id).join(', ')}.`);
  const parameters = stringMap(value['parameters'], `Action ${name} parameters`);
  for (const parameter of Object.keys(parameters)) {
    if (spec.parameters[parameter] === undefined) throw invalid(`Action ${name}: ${spec.id} has no parameter ${parameter}.`);
  }
  for (const [parameter, parameterSpec] of Object.entries(spec.parameters)) {
    if (parameterSpec.required && parameters[parameter] === undefined) throw invalid(`Action ${name}: the parameter ${parameter} is required.`);
  }
  if (parameters['duration'] !== undefined) parseIsoDurationMs(parameters['duration'], `Action ${name} duration`);
  for (const [parameter, max] of [['latencyMilliseconds', FAULT_LATENCY_MS_MAX], ['bytes', FAULT_CORRUPT_BYTES_MAX]] as const) {
    const given = parameters[parameter];
    if (given !== undefined && !(/^\d{1,6}$/.test(given) && Number(given) >= 1 && Number(given) <= max)) {
      throw invalid(`Action ${name}: ${parameter} must be a whole number from 1 to ${max}.`);
    }
  }
  if (spec.effect.kind === 'api-fault') checkApiFaultParameters(name, parameters);
  const actionTargets = stringMap(value['targets'], `Action ${name} targets`);
  for (const [key, targetName] of Object.entries(actionTargets)) {
    if (spec.targets[key] === undefined) throw invalid(`Action ${name}: ${spec.id} takes no target ${key}.`);
    if (targets[targetName] === undefined) throw invalid(`Action ${name}: target ${targetName} is not defined in the template.`);
    const wanted = spec.targets[key]!.resourceType;
    if (targets[targetName]!.resourceType !== wanted) throw invalid(`Action ${name}: its ${key} target ${targetName} must be of resourceType ${wanted}.`);
  }
  for (const key of Object.keys(spec.targets)) if (actionTargets[key] === undefined) throw invalid(`Action ${name}: ${spec.id} needs a ${key} target.`);
  const description = value['description'];
  return {
    actionId: spec.id, ...(typeof description === 'string' ? { description } : {}), parameters, targets: actionTargets,
    startAfter: stringList(value['startAfter'], `Action ${name} startAfter`),
  };
}

/** An API fault's operations (known S3 operations), percentage (1–100) and service (s3). */
function checkApiFaultParameters(name: string, parameters: Record<string, string>): void {
  operationsOf(parameters['operations']!, `Action ${name}`);
  const percentage = parameters['percentage']!;
  if (!/^\d{1,3}$/.test(percentage) || Number(percentage) < 1 || Number(percentage) > 100) throw invalid(`Action ${name}: percentage must be a whole number from 1 to 100.`);
  if (parameters['service'] !== undefined && parameters['service'] !== 's3') throw invalid(`Action ${name}: service ${parameters['service']} is not supported; supported: s3.`);
}

/** The operations of an API fault's comma-separated list, each a known S3 operation. */
export function operationsOf(list: string, what: string): string[] {
  const operations = list.split(',').map((operation) => operation.trim());
  if (operations.length > API_FAULT_OPERATIONS_MAX) throw invalid(`${what}: at most ${API_FAULT_OPERATIONS_MAX} operations.`);
  for (const operation of operations) {
    if (!S3_OPERATION_NAMES.has(operation)) throw invalid(`${what}: operation ${operation === '' ? '(empty)' : operation} is not an S3 operation of Cairn (e.g. PutObject, GetObject).`);
  }
  return [...new Set(operations)];
}

/** Every startAfter names another action, and following them never comes back (no cycle). */
function checkStartAfter(actions: Record<string, TemplateAction>): void {
  for (const [name, action] of Object.entries(actions)) {
    for (const before of action.startAfter) if (actions[before] === undefined || before === name) throw invalid(`Action ${name}: startAfter ${before} is not another action of the template.`);
  }
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (done.has(name)) return;
    if (visiting.has(name)) throw invalid(`The startAfter lists form a cycle through action ${name}.`);
    visiting.add(name);
    for (const before of actions[name]!.startAfter) visit(before);
    visiting.delete(name);
    done.add(name);
  };
  for (const name of Object.keys(actions)) visit(name);
}

function limitedEntries(value: unknown, what: string, max: number): [string, unknown][] {
  if (!isRecord(value)) throw invalid(`${what} must be a map.`);
  const entries = Object.entries(value);
  if (entries.length > max) throw invalid(`A template has at most ${max} ${what}.`);
  return entries;
}

/** A whole template from CreateExperimentTemplate's body (or an update merged over a stored one). */
export function parseTemplateBody(body: Record<string, unknown>, scope: TemplateScope): TemplateBody {
  const description = body['description'];
  if (typeof description !== 'string' || description.length === 0 || description.length > DESCRIPTION_CHARS_MAX) {
    throw invalid(`description is required, 1 to ${DESCRIPTION_CHARS_MAX} characters.`);
  }
  if (typeof body['roleArn'] !== 'string' || body['roleArn'] === '') throw invalid('roleArn is required.');
  const targets: Record<string, TemplateTarget> = {};
  for (const [name, value] of limitedEntries(body['targets'] ?? {}, 'targets', TEMPLATE_TARGETS_MAX)) targets[name] = parseTarget(name, value, scope);
  const actionEntries = limitedEntries(body['actions'], 'actions', TEMPLATE_ACTIONS_MAX);
  if (actionEntries.length === 0) throw invalid('A template needs at least one action.');
  const actions: Record<string, TemplateAction> = {};
  for (const [name, value] of actionEntries) actions[name] = parseAction(name, value, targets);
  checkStartAfter(actions);
  const conditions = body['stopConditions'];
  if (!Array.isArray(conditions) || conditions.length === 0) throw invalid('stopConditions is required: [{"source": "none"}] for none.');
  return { description, roleArn: body['roleArn'], targets, actions, stopConditions: conditions.map((condition) => parseStopCondition(condition)) };
}
