// Backup Audit Manager: frameworks (a set of built-in controls with their parameters and scope),
// report plans (a report template, delivered as CSV and/or JSON into a bucket) and report jobs,
// which the runner writes (report-run.ts).
import type { JsonApiCall } from '../../frontend/json-api.js';
import { type BackupContext, type BackupOperation, optionalString, page, requiredString, seconds, tagsOf } from './context.js';
import { checkControlName } from './controls.js';
import { alreadyExists, invalidParameter, missingParameter, notFound } from './errors.js';
import { newUuid } from './store.js';

const NAME_PATTERN = /^[a-zA-Z][_a-zA-Z0-9]{0,255}$/;
export const REPORT_TEMPLATES = ['RESOURCE_COMPLIANCE_REPORT', 'CONTROL_COMPLIANCE_REPORT', 'BACKUP_JOB_REPORT', 'COPY_JOB_REPORT', 'RESTORE_JOB_REPORT'];
const FORMATS = ['CSV', 'JSON'];

export interface FrameworkControl {
  ControlName: string;
  ControlInputParameters?: Array<{ ParameterName: string; ParameterValue: string }>;
  ControlScope?: { ComplianceResourceIds?: string[]; ComplianceResourceTypes?: string[]; Tags?: Record<string, string> };
}

function controlsOf(value: unknown): FrameworkControl[] {
  if (!Array.isArray(value) || value.length === 0) throw missingParameter('FrameworkControls is required.');
  return value.map((control: Record<string, unknown>) => {
    if (typeof control !== 'object' || control === null) throw invalidParameter('Each framework control must be an object.');
    const parameters = (control['ControlInputParameters'] ?? []) as FrameworkControl['ControlInputParameters'];
    if (!Array.isArray(parameters) || parameters.some((parameter) => typeof parameter?.ParameterName !== 'string' || typeof parameter.ParameterValue !== 'string')) {
      throw invalidParameter('ControlInputParameters must be a list of ParameterName and ParameterValue strings.');
    }
    return { ControlName: checkControlName(control['ControlName']), ControlInputParameters: parameters, ControlScope: control['ControlScope'] as FrameworkControl['ControlScope'] };
  });
}

const frameworkArn = (context: BackupContext, name: string, id: string) => `arn:aws:backup:${context.arns.region}:${context.arns.accountId}:framework:${name}-${id}`;

async function requireRecord<T>(collection: { get(id: string): Promise<T | undefined> }, name: string | undefined, what: string): Promise<T> {
  const record = name === undefined || !NAME_PATTERN.test(name) ? undefined : await collection.get(name);
  if (record === undefined) throw notFound(`${what} ${name ?? ''} does not exist.`);
  return record;
}

export const createFramework: BackupOperation = async (context, call) => {
  const name = requiredString(call.body, 'FrameworkName');
  if (!NAME_PATTERN.test(name)) throw invalidParameter(`FrameworkName ${name} is not valid: a letter, then letters, digits or _.`);
  if ((await context.store.frameworks.get(name)) !== undefined) throw alreadyExists(`Framework ${name} already exists.`);
  const framework = {
    name, arn: frameworkArn(context, name, newUuid()), description: optionalString(call.body, 'FrameworkDescription'), controls: controlsOf(call.body['FrameworkControls']),
    creationMs: context.nowMs, tags: tagsOf(call.body['FrameworkTags'], 'FrameworkTags'), idempotencyToken: optionalString(call.body, 'IdempotencyToken'),
  };
  await context.store.frameworks.put(name, framework);
  return { FrameworkName: name, FrameworkArn: framework.arn };
};

const frameworkAnswer = (framework: Record<string, unknown>) => ({
  FrameworkName: framework['name'], FrameworkArn: framework['arn'], FrameworkDescription: framework['description'], FrameworkControls: framework['controls'],
  CreationTime: seconds(framework['creationMs'] as number), DeploymentStatus: 'COMPLETED', FrameworkStatus: 'ACTIVE', IdempotencyToken: framework['idempotencyToken'],
});

export const describeFramework: BackupOperation = async (context, call) => frameworkAnswer(await requireRecord(context.store.frameworks, call.segments[2], 'Framework'));

export const updateFramework: BackupOperation = async (context, call) => {
  const framework = await requireRecord(context.store.frameworks, call.segments[2], 'Framework');
  const updated: Record<string, unknown> & { name: string } = { ...framework, description: optionalString(call.body, 'FrameworkDescription') ?? framework['description'] };
  if (call.body['FrameworkControls'] !== undefined) updated['controls'] = controlsOf(call.body['FrameworkControls']);
  await context.store.frameworks.put(framework.name, updated);
  return { FrameworkName: framework.name, FrameworkArn: framework['arn'], CreationTime: seconds(framework['creationMs'] as number) };
};

export const deleteFramework: BackupOperation = async (context, call) => {
  const framework = await requireRecord(context.store.frameworks, call.segments[2], 'Framework');
  await context.store.frameworks.delete(framework.name);
  return {};
};

export const listFrameworks: BackupOperation = async (context, call) => {
  const frameworks = (await context.store.frameworks.list()).sort((a, b) => a.name.localeCompare(b.name));
  const { items, nextToken } = page(frameworks, call, { size: 'MaxResults', token: 'NextToken' });
  return {
    Frameworks: items.map((framework) => ({
      FrameworkName: framework.name, FrameworkArn: framework['arn'], FrameworkDescription: framework['description'],
      NumberOfControls: (framework['controls'] as unknown[]).length, CreationTime: seconds(framework['creationMs'] as number), DeploymentStatus: 'COMPLETED',
    })),
    NextToken: nextToken,
  };
};

function reportFieldsOf(call: JsonApiCall): { channel: Record<string, unknown>; setting: Record<string, unknown> } {
  const channel = call.body['ReportDeliveryChannel'] as Record<string, unknown> | undefined;
  const setting = call.body['ReportSetting'] as Record<string, unknown> | undefined;
  if (typeof channel !== 'object' || channel === null) throw missingParameter('ReportDeliveryChannel is required.');
  if (typeof setting !== 'object' || setting === null) throw missingParameter('ReportSetting is required.');
  requiredString(channel, 'S3BucketName');
  const formats = channel['Formats'] ?? ['CSV'];
  if (!Array.isArray(formats) || formats.length === 0 || formats.some((format) => !FORMATS.includes(format as string))) throw invalidParameter('Formats must be CSV and/or JSON.');
  if (!REPORT_TEMPLATES.includes(requiredString(setting, 'ReportTemplate'))) throw invalidParameter(`ReportTemplate must be one of ${REPORT_TEMPLATES.join(', ')}.`);
  const needsFrameworks = ['RESOURCE_COMPLIANCE_REPORT', 'CONTROL_COMPLIANCE_REPORT'].includes(setting['ReportTemplate'] as string);
  if (needsFrameworks && (!Array.isArray(setting['FrameworkArns']) || setting['FrameworkArns'].length === 0)) throw invalidParameter('A compliance report names its FrameworkArns.');
  return { channel: { ...channel, Formats: formats }, setting };
}

export const createReportPlan: BackupOperation = async (context, call) => {
  const name = requiredString(call.body, 'ReportPlanName');
  if (!NAME_PATTERN.test(name)) throw invalidParameter(`ReportPlanName ${name} is not valid: a letter, then letters, digits or _.`);
  if ((await context.store.reportPlans.get(name)) !== undefined) throw alreadyExists(`Report plan ${name} already exists.`);
  const { channel, setting } = reportFieldsOf(call);
  const arn = `arn:aws:backup:${context.arns.region}:${context.arns.accountId}:report-plan:${name}-${newUuid()}`;
  await context.store.reportPlans.put(name, { name, arn, description: optionalString(call.body, 'ReportPlanDescription'), channel, setting, creationMs: context.nowMs });
  return { ReportPlanName: name, ReportPlanArn: arn, CreationTime: seconds(context.nowMs) };
};

export const describeReportPlan: BackupOperation = async (context, call) => {
  const plan = await requireRecord(context.store.reportPlans, call.segments[2], 'Report plan');
  return {
    ReportPlan: {
      ReportPlanArn: plan['arn'], ReportPlanName: plan.name, ReportPlanDescription: plan['description'], ReportSetting: plan['setting'], ReportDeliveryChannel: plan['channel'],
      DeploymentStatus: 'COMPLETED', CreationTime: seconds(plan['creationMs'] as number),
    },
  };
};

export const updateReportPlan: BackupOperation = async (context, call) => {
  const plan = await requireRecord(context.store.reportPlans, call.segments[2], 'Report plan');
  const merged = { ...call, body: { ReportDeliveryChannel: plan['channel'], ReportSetting: plan['setting'], ...call.body } };
  const { channel, setting } = reportFieldsOf(merged);
  await context.store.reportPlans.put(plan.name, { ...plan, channel, setting, description: optionalString(call.body, 'ReportPlanDescription') ?? plan['description'] });
  return { ReportPlanName: plan.name, ReportPlanArn: plan['arn'], CreationTime: seconds(plan['creationMs'] as number) };
};

export const deleteReportPlan: BackupOperation = async (context, call) => {
  const plan = await requireRecord(context.store.reportPlans, call.segments[2], 'Report plan');
  await context.store.reportPlans.delete(plan.name);
  return {};
};

export const listReportPlans: BackupOperation = async (context, call) => {
  const plans = (await context.store.reportPlans.list()).sort((a, b) => a.name.localeCompare(b.name));
  const { items, nextToken } = page(plans, call, { size: 'MaxResults', token: 'NextToken' });
  return { ReportPlans: items.map((plan) => ({ ReportPlanArn: plan['arn'], ReportPlanName: plan.name, ReportSetting: plan['setting'], ReportDeliveryChannel: plan['channel'], DeploymentStatus: 'COMPLETED', CreationTime: seconds(plan['creationMs'] as number) })), NextToken: nextToken };
};

export const startReportJob: BackupOperation = async (context, call) => {
  const plan = await requireRecord(context.store.reportPlans, call.segments[2], 'Report plan');
  const id = newUuid();
  await context.store.reportJobs.put(id, { id, planName: plan.name, planArn: plan['arn'], template: (plan['setting'] as Record<string, unknown>)['ReportTemplate'], status: 'CREATED', creationMs: context.nowMs });
  return { ReportJobId: id };
};

export const describeReportJob: BackupOperation = async (context, call) => {
  const job = await context.store.reportJobs.get(call.segments[2] ?? '');
  if (job === undefined) throw notFound(`Report job ${call.segments[2] ?? ''} does not exist.`);
  return {
    ReportJob: {
      ReportJobId: job.id, ReportPlanArn: job['planArn'], ReportTemplate: job['template'], CreationTime: seconds(job['creationMs'] as number),
      CompletionTime: seconds(job['completionMs'] as number | undefined), Status: job['status'], StatusMessage: job['statusMessage'], ReportDestination: job['destination'],
    },
  };
};
