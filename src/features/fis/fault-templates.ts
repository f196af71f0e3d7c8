// The templates of `cairn admin fault template` (services/faults/experiments.ts) as FIS experiment
// templates: every action on every named drive for the template's duration (one FIS action per
// fault action, all starting at once), and maxDrivesOffline N as the stop condition drives_offline>N.
// `cairn admin experiment start --fault-template NAME` creates and starts one.
import type { FaultTemplate } from '../../services/faults/experiments.js';
import { DRIVE_RESOURCE_TYPE, DRIVES_TARGET_KEY } from './catalog.js';
import { METRIC_STOP_SOURCE } from './stop-conditions.js';

const TARGET_NAME = 'Drives';

/** The body of CreateExperimentTemplate for a saved fault template (without clientToken and roleArn). */
export function fisTemplateOf(name: string, template: FaultTemplate, arnPrefix: string): Record<string, unknown> {
  const actions: Record<string, unknown> = {};
  template.actions.forEach((spec, index) => {
    const parameters: Record<string, string> = spec.action === 'corrupt' ? {} : { duration: `PT${template.durationSeconds}S` };
    if (spec.latencyMs !== undefined) parameters['latencyMilliseconds'] = String(spec.latencyMs);
    if (spec.bytes !== undefined) parameters['bytes'] = String(spec.bytes);
    actions[`${spec.action}-${index + 1}`] = { actionId: `cairn:drive:${spec.action}`, parameters, targets: { [DRIVES_TARGET_KEY]: TARGET_NAME } };
  });
  const maxOffline = template.stopCondition?.maxDrivesOffline;
  return {
    description: `From the fault template ${name}`,
    targets: { [TARGET_NAME]: { resourceType: DRIVE_RESOURCE_TYPE, resourceArns: template.targets.drives.map((drive) => `${arnPrefix}drive/${drive}`), selectionMode: 'ALL' } },
    actions,
    // The alarm-ARN form: some clients' models want a value of 20 characters or more.
    stopConditions: [maxOffline === undefined ? { source: 'none' } : { source: METRIC_STOP_SOURCE, value: `${arnPrefix}alarm/drives_offline>${maxOffline}` }],
    tags: { 'cairn:fault-template': name },
  };
}
