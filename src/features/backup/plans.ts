// Backup plans (rules: a cron schedule, start and completion windows, lifecycle, recovery point tags,
// copy actions, continuous backup) and their selections (buckets by ARN, or by tag). The scheduler
// (scheduler.ts) runs them.
import type { JsonApiCall } from '../../frontend/json-api.js';
import { type BackupContext, type BackupOperation, lifecycleOf, optionalString, optionalWholeNumber, page, requireVault, requiredString, seconds, tagsOf } from './context.js';
import { parseScheduleExpression } from './cron.js';
import { COMPLETION_WINDOW_MINUTES_DEFAULT, START_WINDOW_MINUTES_DEFAULT } from './backup-jobs.js';
import { invalidParameter, invalidRequest, missingParameter, notFound } from './errors.js';
import type { PlanRecord, PlanRule, SelectionRecord } from './records.js';
import { checkContinuousLifecycle } from './continuous.js';
import { checkRetention } from './recovery-points.js';
import { newUuid } from './store.js';

const RULES_MAX = 100;

async function parseRule(context: BackupContext, value: unknown): Promise<PlanRule> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParameter('Each rule must be an object.');
  const fields = value as Record<string, unknown>;
  const vault = await requireVault(context, requiredString(fields, 'TargetBackupVaultName'));
  const scheduleExpression = optionalString(fields, 'ScheduleExpression') ?? 'cron(0 5 ? * * *)';
  parseScheduleExpression(scheduleExpression);
  const lifecycle = lifecycleOf(fields['Lifecycle']);
  checkRetention(vault, lifecycle);
  if (fields['EnableContinuousBackup'] === true) checkContinuousLifecycle(lifecycle);
  const copyActions = fields['CopyActions'] === undefined ? undefined : (fields['CopyActions'] as unknown[]);
  if (copyActions !== undefined && !Array.isArray(copyActions)) throw invalidParameter('CopyActions must be a list.');
  const rule: PlanRule = {
    RuleName: requiredString(fields, 'RuleName'), RuleId: newUuid(), TargetBackupVaultName: vault.name, ScheduleExpression: scheduleExpression,
    StartWindowMinutes: optionalWholeNumber(fields, 'StartWindowMinutes', 60, 100_000) ?? START_WINDOW_MINUTES_DEFAULT,
    CompletionWindowMinutes: optionalWholeNumber(fields, 'CompletionWindowMinutes', 120, 100_000) ?? COMPLETION_WINDOW_MINUTES_DEFAULT,
    Lifecycle: lifecycle, RecoveryPointTags: tagsOf(fields['RecoveryPointTags'], 'RecoveryPointTags'), EnableContinuousBackup: fields['EnableContinuousBackup'] === true,
    CopyActions: copyActions?.map((action) => {
      const copy = (action ?? {}) as Record<string, unknown>;
      return { DestinationBackupVaultArn: requiredString(copy, 'DestinationBackupVaultArn'), Lifecycle: lifecycleOf(copy['Lifecycle']) };
    }),
  };
  return rule;
}

async function parsePlanInput(context: BackupContext, call: JsonApiCall): Promise<{ name: string; rules: PlanRule[] }> {
  const input = call.body['BackupPlan'];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw missingParameter('BackupPlan is required.');
  const fields = input as Record<string, unknown>;
  const rules = fields['Rules'];
  if (!Array.isArray(rules) || rules.length === 0 || rules.length > RULES_MAX) throw invalidParameter(`BackupPlan.Rules must list 1 to ${RULES_MAX} rules.`);
  const parsed: PlanRule[] = [];
  for (const rule of rules) parsed.push(await parseRule(context, rule));
  return { name: requiredString(fields, 'BackupPlanName'), rules: parsed };
}

const planAnswer = (context: BackupContext, plan: PlanRecord): Record<string, unknown> => ({
  BackupPlanId: plan.id, BackupPlanArn: context.arns.plan(plan.id), CreationDate: seconds(plan.creationMs), VersionId: plan.versionId,
});

async function requirePlan(context: BackupContext, id: string | undefined): Promise<PlanRecord> {
  const plan = id === undefined ? undefined : await context.store.plans.get(id);
  if (plan === undefined) throw notFound(`Backup plan ${id ?? ''} does not exist.`);
  return plan;
}

export const createPlan: BackupOperation = async (context, call) => {
  const { name, rules } = await parsePlanInput(context, call);
  const plan: PlanRecord = {
    id: newUuid(), name, versionId: newUuid(), rules, creationMs: context.nowMs, creatorRequestId: optionalString(call.body, 'CreatorRequestId'),
    tags: tagsOf(call.body['BackupPlanTags'], 'BackupPlanTags'), lastRunMs: {},
  };
  await context.store.plans.put(plan.id, plan);
  return planAnswer(context, plan);
};

export const getPlan: BackupOperation = async (context, call) => {
  const plan = await requirePlan(context, call.segments[2]);
  return { ...planAnswer(context, plan), BackupPlan: { BackupPlanName: plan.name, Rules: plan.rules }, CreatorRequestId: plan.creatorRequestId, LastExecutionDate: seconds(plan.lastExecutionMs) };
};

export const updatePlan: BackupOperation = async (context, call) => {
  const plan = await requirePlan(context, call.segments[2]);
  const { name, rules } = await parsePlanInput(context, call);
  const versionId = newUuid();
  // Under the plan's lock: the scheduler's record of the runs it started is kept, not overwritten.
  const { value: updated } = await context.store.plans.update(plan.id, (current) => current && { ...current, name, rules, versionId, rulesSinceMs: context.nowMs });
  if (updated === undefined) throw notFound(`Backup plan ${plan.id} does not exist.`);
  return planAnswer(context, updated);
};

export const deletePlan: BackupOperation = async (context, call) => {
  const plan = await requirePlan(context, call.segments[2]);
  if ((await context.store.selections.list()).some((selection) => selection.planId === plan.id)) {
    throw invalidRequest(`Backup plan ${plan.id} still has selections: delete them first.`);
  }
  await context.store.plans.delete(plan.id);
  return { ...planAnswer(context, plan), DeletionDate: seconds(context.nowMs) };
};

export const listPlans: BackupOperation = async (context, call) => {
  const plans = (await context.store.plans.list()).sort((a, b) => a.creationMs - b.creationMs);
  const { items, nextToken } = page(plans, call);
  return { BackupPlansList: items.map((plan) => ({ ...planAnswer(context, plan), BackupPlanName: plan.name, LastExecutionDate: seconds(plan.lastExecutionMs) })), NextToken: nextToken };
};

function parseSelection(value: unknown): Omit<SelectionRecord, 'id' | 'planId' | 'creationMs' | 'creatorRequestId'> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw missingParameter('BackupSelection is required.');
  const fields = value as Record<string, unknown>;
  const list = (name: string): string[] => {
    const items = fields[name] ?? [];
    if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) throw invalidParameter(`${name} must be a list of ARNs.`);
    return items as string[];
  };
  const tags = fields['ListOfTags'] ?? [];
  if (!Array.isArray(tags)) throw invalidParameter('ListOfTags must be a list.');
  const tagConditions = tags.map((tag: Record<string, unknown>) => {
    if (tag?.['ConditionType'] !== 'STRINGEQUALS') throw invalidParameter('ListOfTags conditions must be of ConditionType STRINGEQUALS.');
    return { key: requiredString(tag, 'ConditionKey').replace(/^aws:ResourceTag\//, ''), value: requiredString(tag, 'ConditionValue') };
  });
  const resources = list('Resources');
  if (resources.length === 0 && tagConditions.length === 0) throw invalidParameter('A selection names resources or tags.');
  return { name: requiredString(fields, 'SelectionName'), iamRoleArn: requiredString(fields, 'IamRoleArn'), resources, notResources: list('NotResources'), tagConditions };
}

const selectionAnswer = (selection: SelectionRecord): Record<string, unknown> => ({
  SelectionName: selection.name, IamRoleArn: selection.iamRoleArn, Resources: selection.resources, NotResources: selection.notResources,
  ListOfTags: selection.tagConditions.map(({ key, value }) => ({ ConditionType: 'STRINGEQUALS', ConditionKey: key, ConditionValue: value })),
});

export const createSelection: BackupOperation = async (context, call) => {
  const plan = await requirePlan(context, call.segments[2]);
  const selection: SelectionRecord = {
    ...parseSelection(call.body['BackupSelection']), id: newUuid(), planId: plan.id, creationMs: context.nowMs, creatorRequestId: optionalString(call.body, 'CreatorRequestId'),
  };
  await context.store.selections.put(selection.id, selection);
  return { SelectionId: selection.id, BackupPlanId: plan.id, CreationDate: seconds(selection.creationMs) };
};

async function requireSelection(context: BackupContext, planId: string | undefined, id: string | undefined): Promise<SelectionRecord> {
  const selection = id === undefined ? undefined : await context.store.selections.get(id);
  if (selection === undefined || selection.planId !== planId) throw notFound(`Backup selection ${id ?? ''} does not exist.`);
  return selection;
}

export const getSelection: BackupOperation = async (context, call) => {
  const selection = await requireSelection(context, call.segments[2], call.segments[4]);
  return { BackupSelection: selectionAnswer(selection), SelectionId: selection.id, BackupPlanId: selection.planId, CreationDate: seconds(selection.creationMs), CreatorRequestId: selection.creatorRequestId };
};

export const deleteSelection: BackupOperation = async (context, call) => {
  const selection = await requireSelection(context, call.segments[2], call.segments[4]);
  await context.store.selections.delete(selection.id);
  return {};
};

export const listSelections: BackupOperation = async (context, call) => {
  const plan = await requirePlan(context, call.segments[2]);
  const selections = (await context.store.selections.list()).filter((selection) => selection.planId === plan.id);
  const { items, nextToken } = page(selections, call);
  return {
    BackupSelectionsList: items.map((selection) => ({
      SelectionId: selection.id, SelectionName: selection.name, BackupPlanId: plan.id, CreationDate: seconds(selection.creationMs), IamRoleArn: selection.iamRoleArn,
    })),
    NextToken: nextToken,
  };
};
