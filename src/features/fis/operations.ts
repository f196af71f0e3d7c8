// The FIS operations Cairn offers, each from the request's parsed pieces to the JSON to answer:
// experiment templates (create, get, update, delete, list), experiments (start, get, list, stop,
// resolved targets), the catalog (actions, target resource types) and tags.
import type { JsonApiCall } from '../../frontend/json-api.js';
import { experimentAnswer, experimentSummary, templateAnswer, templateSummary, type ArnNames } from './answers.js';
import { ACTIONS, describeAction, DRIVE_RESOURCE_TYPE, HOST_RESOURCE_TYPE, INDEX_RESOURCE_NAME, INDEX_RESOURCE_TYPE, TARGET_RESOURCE_TYPES, actionSpec } from './catalog.js';
import { conflict, FisValidationError, notFound, quotaExceeded } from './errors.js';
import { FINAL_EXPERIMENT_STATUSES, newId, TEMPLATES_MAX, type FisStore, type StoredExperiment, type StoredTemplate } from './store.js';
import { parseTemplateBody, type TemplateScope } from './templates.js';

export const RUNNING_EXPERIMENTS_MAX = 5;
const PAGE_SIZE_MAX = 100;
const TAGS_MAX = 50;

export interface FisContext {
  store: FisStore;
  scope: TemplateScope;
  arns: ArnNames & { prefix: string };
  nowMs: number;
}

export type FisOperation = (context: FisContext, call: JsonApiCall) => Promise<Record<string, unknown>>;

function page<T>(items: T[], call: JsonApiCall): { items: T[]; nextToken?: string } {
  const maxResults = call.query.get('maxResults');
  const size = maxResults === null ? PAGE_SIZE_MAX : Number(maxResults);
  if (!Number.isInteger(size) || size < 1 || size > PAGE_SIZE_MAX) throw new FisValidationError(`maxResults must be from 1 to ${PAGE_SIZE_MAX}.`);
  const token = call.query.get('nextToken');
  const start = token === null ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new FisValidationError('nextToken is not valid.');
  const end = start + size;
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: String(end) } : {}) };
}

function tagsOf(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((tag) => typeof tag !== 'string')) {
    throw new FisValidationError('tags must be a map of strings.');
  }
  if (Object.keys(value).length > TAGS_MAX) throw new FisValidationError(`At most ${TAGS_MAX} tags.`);
  return value as Record<string, string>;
}

function clientTokenOf(body: Record<string, unknown>): string {
  const token = body['clientToken'];
  if (typeof token !== 'string' || token.length === 0 || token.length > 1024) throw new FisValidationError('clientToken is required, 1 to 1024 characters.');
  return token;
}

async function requireTemplate(context: FisContext, id: string | undefined): Promise<StoredTemplate> {
  const template = id === undefined ? undefined : await context.store.getTemplate(id);
  if (template === undefined) throw notFound(`Experiment template ${id ?? ''} not found.`);
  return template;
}

async function requireExperiment(context: FisContext, id: string | undefined): Promise<StoredExperiment> {
  const experiment = id === undefined ? undefined : await context.store.getExperiment(id);
  if (experiment === undefined) throw notFound(`Experiment ${id ?? ''} not found.`);
  return experiment;
}

export const createTemplate: FisOperation = async (context, { body }) => {
  const clientToken = clientTokenOf(body);
  const templates = await context.store.listTemplates();
  const repeated = templates.find((template) => template.clientToken === clientToken);
  if (repeated !== undefined) return { experimentTemplate: templateAnswer(repeated, context.arns) };
  const parsed = parseTemplateBody(body, context.scope);
  if (templates.length >= TEMPLATES_MAX) throw quotaExceeded(`At most ${TEMPLATES_MAX} experiment templates.`);
  const template: StoredTemplate = {
    id: newId('template'), body: parsed, creationTimeMs: context.nowMs, lastUpdateTimeMs: context.nowMs, tags: tagsOf(body['tags']), clientToken,
  };
  await context.store.putTemplate(template);
  return { experimentTemplate: templateAnswer(template, context.arns) };
};

export const getTemplate: FisOperation = async (context, call) => ({ experimentTemplate: templateAnswer(await requireTemplate(context, call.segments[1]), context.arns) });

export const updateTemplate: FisOperation = async (context, call) => {
  const template = await requireTemplate(context, call.segments[1]);
  const merged: Record<string, unknown> = { ...template.body };
  for (const field of ['description', 'roleArn', 'targets', 'actions', 'stopConditions']) {
    if (call.body[field] !== undefined) merged[field] = call.body[field];
  }
  const updated: StoredTemplate = { ...template, body: parseTemplateBody(merged, context.scope), lastUpdateTimeMs: context.nowMs };
  await context.store.putTemplate(updated);
  return { experimentTemplate: templateAnswer(updated, context.arns) };
};

export const deleteTemplate: FisOperation = async (context, call) => {
  const template = await requireTemplate(context, call.segments[1]);
  await context.store.deleteTemplate(template.id);
  return { experimentTemplate: templateAnswer(template, context.arns) };
};

export const listTemplates: FisOperation = async (context, call) => {
  const { items, nextToken } = page(await context.store.listTemplates(), call);
  return { experimentTemplates: items.map((template) => templateSummary(template, context.arns)), ...(nextToken === undefined ? {} : { nextToken }) };
};

export const startExperiment: FisOperation = async (context, { body }) => {
  const clientToken = clientTokenOf(body);
  if (typeof body['experimentTemplateId'] !== 'string') throw new FisValidationError('experimentTemplateId is required.');
  const experiments = await context.store.listExperiments();
  const repeated = experiments.find((experiment) => experiment.clientToken === clientToken);
  if (repeated !== undefined) return { experiment: experimentAnswer(repeated, context.arns) };
  const template = await requireTemplate(context, body['experimentTemplateId']);
  const running = experiments.filter((experiment) => !FINAL_EXPERIMENT_STATUSES.includes(experiment.status));
  if (running.length >= RUNNING_EXPERIMENTS_MAX) throw quotaExceeded(`At most ${RUNNING_EXPERIMENTS_MAX} experiments may run at once.`);
  const actions: StoredExperiment['actions'] = {};
  for (const [name, action] of Object.entries(template.body.actions)) actions[name] = { ...action, status: 'pending' };
  const experiment: StoredExperiment = {
    id: newId('experiment'), experimentTemplateId: template.id, roleArn: template.body.roleArn, status: 'initiating',
    targets: template.body.targets, actions, stopConditions: template.body.stopConditions, creationTimeMs: context.nowMs,
    tags: tagsOf(body['tags']), clientToken, resolvedDrives: {},
  };
  await context.store.putExperiment(experiment);
  return { experiment: experimentAnswer(experiment, context.arns) };
};

export const getExperiment: FisOperation = async (context, call) => ({ experiment: experimentAnswer(await requireExperiment(context, call.segments[1]), context.arns) });

export const listExperiments: FisOperation = async (context, call) => {
  const templateId = call.query.get('experimentTemplateId');
  const all = (await context.store.listExperiments()).filter((experiment) => templateId === null || experiment.experimentTemplateId === templateId);
  const { items, nextToken } = page(all.reverse(), call);
  return { experiments: items.map((experiment) => experimentSummary(experiment, context.arns)), ...(nextToken === undefined ? {} : { nextToken }) };
};

export const stopExperiment: FisOperation = async (context, call) => {
  const experiment = await requireExperiment(context, call.segments[1]);
  if (FINAL_EXPERIMENT_STATUSES.includes(experiment.status)) throw conflict(`Experiment ${experiment.id} has already ended (${experiment.status}).`);
  await context.store.requestStop(experiment.id);
  return { experiment: experimentAnswer({ ...experiment, status: 'stopping', reason: 'Stopping: a StopExperiment call.' }, context.arns) };
};

export const listResolvedTargets: FisOperation = async (context, call) => {
  const experiment = await requireExperiment(context, call.segments[1]);
  const arnPrefix = `arn:aws:cairn:${context.scope.region}:${context.scope.accountId}:`;
  const resolvedTargets = Object.entries(experiment.resolvedDrives).flatMap(([targetName, drives]) => drives.map((drive) => {
    const resourceType = experiment.targets[targetName]?.resourceType ?? DRIVE_RESOURCE_TYPE;
    const arn = resourceType === INDEX_RESOURCE_TYPE ? `${arnPrefix}${INDEX_RESOURCE_NAME}` : `${arnPrefix}drive/${drive}`;
    return { resourceType, targetName, targetInformation: { arn } };
  }));
  for (const [targetName, hosts] of Object.entries(experiment.resolvedHosts ?? {})) {
    for (const hostId of hosts) resolvedTargets.push({ resourceType: HOST_RESOURCE_TYPE, targetName, targetInformation: { arn: `${arnPrefix}host/${hostId}` } });
  }
  return { resolvedTargets };
};

export const listActions: FisOperation = async (context, call) => {
  const { items, nextToken } = page([...ACTIONS], call);
  return { actions: items.map((action) => describeAction(action, context.arns.prefix, false)), ...(nextToken === undefined ? {} : { nextToken }) };
};

export const getAction: FisOperation = async (context, call) => {
  const action = actionSpec(call.segments[1] ?? '');
  if (action === undefined) throw notFound(`Action ${call.segments[1] ?? ''} not found.`);
  return { action: describeAction(action, context.arns.prefix, true) };
};

export const listTargetResourceTypes: FisOperation = async () => ({
  targetResourceTypes: TARGET_RESOURCE_TYPES.map(({ resourceType, description }) => ({ resourceType, description })),
});

export const getTargetResourceType: FisOperation = async (_context, call) => {
  const type = TARGET_RESOURCE_TYPES.find((candidate) => candidate.resourceType === call.segments[1]);
  if (type === undefined) throw notFound(`Target resource type ${call.segments[1] ?? ''} not found.`);
  return { targetResourceType: type };
};

/** The template or experiment a tagging call's ARN names. */
async function taggedRecord(context: FisContext, arn: string | undefined): Promise<{ kind: 'template'; record: StoredTemplate } | { kind: 'experiment'; record: StoredExperiment }> {
  const match = /^arn:aws:fis:[^:]*:[^:]*:(experiment-template|experiment)\/(.+)$/.exec(arn ?? '');
  if (match !== null && arn!.startsWith(context.arns.prefix)) {
    if (match[1] === 'experiment-template') return { kind: 'template', record: await requireTemplate(context, match[2]) };
    return { kind: 'experiment', record: await requireExperiment(context, match[2]) };
  }
  throw new FisValidationError(`${arn ?? ''} is not the ARN of an experiment template or an experiment of this server.`);
}

async function saveTags(context: FisContext, tagged: Awaited<ReturnType<typeof taggedRecord>>, tags: Record<string, string>): Promise<void> {
  if (Object.keys(tags).length > TAGS_MAX) throw new FisValidationError(`At most ${TAGS_MAX} tags.`);
  if (tagged.kind === 'template') await context.store.putTemplate({ ...tagged.record, tags });
  else await context.store.putExperiment({ ...tagged.record, tags });
}

export const listTags: FisOperation = async (context, call) => ({ tags: (await taggedRecord(context, call.segments[1])).record.tags });

export const tagResource: FisOperation = async (context, call) => {
  const tagged = await taggedRecord(context, call.segments[1]);
  await saveTags(context, tagged, { ...tagged.record.tags, ...tagsOf(call.body['tags']) });
  return {};
};

export const untagResource: FisOperation = async (context, call) => {
  const tagged = await taggedRecord(context, call.segments[1]);
  const removed = new Set(call.query.getAll('tagKeys'));
  await saveTags(context, tagged, Object.fromEntries(Object.entries(tagged.record.tags).filter(([key]) => !removed.has(key))));
  return {};
};
