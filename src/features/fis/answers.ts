// The JSON shapes the FIS API answers with (its model's ExperimentTemplate, Experiment and their
// summaries), from the stored records. Timestamps are epoch seconds, restJson1's default.
import type { StoredExperiment, StoredTemplate } from './store.js';

const seconds = (timeMs: number | undefined): number | undefined => (timeMs === undefined ? undefined : timeMs / 1000);
const EXPERIMENT_OPTIONS = { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail' };

export interface ArnNames {
  templateArn(id: string): string;
  experimentArn(id: string): string;
}

export function templateAnswer(template: StoredTemplate, arns: ArnNames): Record<string, unknown> {
  const { body } = template;
  return {
    id: template.id, arn: arns.templateArn(template.id), description: body.description, targets: body.targets, actions: body.actions,
    stopConditions: body.stopConditions, creationTime: seconds(template.creationTimeMs), lastUpdateTime: seconds(template.lastUpdateTimeMs),
    roleArn: body.roleArn, tags: template.tags, experimentOptions: EXPERIMENT_OPTIONS, targetAccountConfigurationsCount: 0,
  };
}

export function templateSummary(template: StoredTemplate, arns: ArnNames): Record<string, unknown> {
  return {
    id: template.id, arn: arns.templateArn(template.id), description: template.body.description,
    creationTime: seconds(template.creationTimeMs), lastUpdateTime: seconds(template.lastUpdateTimeMs), tags: template.tags,
  };
}

const stateOf = (status: string, reason: string | undefined): Record<string, string> => (reason === undefined ? { status } : { status, reason });

export function experimentAnswer(experiment: StoredExperiment, arns: ArnNames): Record<string, unknown> {
  const actions: Record<string, unknown> = {};
  for (const [name, action] of Object.entries(experiment.actions)) {
    actions[name] = {
      actionId: action.actionId, description: action.description, parameters: action.parameters, targets: action.targets, startAfter: action.startAfter,
      state: stateOf(action.status, action.reason), startTime: seconds(action.startTimeMs), endTime: seconds(action.endTimeMs),
    };
  }
  return {
    id: experiment.id, arn: arns.experimentArn(experiment.id), experimentTemplateId: experiment.experimentTemplateId, roleArn: experiment.roleArn,
    state: stateOf(experiment.status, experiment.reason), targets: experiment.targets, actions, stopConditions: experiment.stopConditions,
    creationTime: seconds(experiment.creationTimeMs), startTime: seconds(experiment.startTimeMs), endTime: seconds(experiment.endTimeMs),
    tags: experiment.tags, experimentOptions: { ...EXPERIMENT_OPTIONS, actionsMode: 'run-all' }, targetAccountConfigurationsCount: 0,
  };
}

export function experimentSummary(experiment: StoredExperiment, arns: ArnNames): Record<string, unknown> {
  return {
    id: experiment.id, arn: arns.experimentArn(experiment.id), experimentTemplateId: experiment.experimentTemplateId,
    state: stateOf(experiment.status, experiment.reason), creationTime: seconds(experiment.creationTimeMs), tags: experiment.tags,
    experimentOptions: { ...EXPERIMENT_OPTIONS, actionsMode: 'run-all' },
  };
}
