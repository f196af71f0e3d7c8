// Runs FIS experiments, in the one process that runs background work: every step it takes each
// experiment not yet finished a little further — resolve its targets, start each action once the
// actions it starts after have completed (a drive action injects its faults for its duration through
// the fault store every worker applies; an API action its API fault the same way), complete actions whose duration is over, and stop the
// experiment, removing every fault it injected, when asked to or when a stop condition holds.
// Its state lives in the experiment's file, so a restart resumes where it was.
import { injectFault } from '../../services/faults/experiments.js';
import { FaultStore, FAULTS_ACTIVE_MAX, INDEX_DROP_FAULT_LISTED_MS } from '../../services/faults/fault-store.js';
import { requestCountsDirectoryOf } from '../../frontend/request-counts.js';
import type { Storage } from '../../storage/index.js';
import { PostgresHostRegistry } from '../../index/postgres/cluster-hosts.js';
import { HOST_STOP_COMMAND_TTL_MS } from '../../services/hosts/host-agent.js';
import { actionSpec, HOST_RESOURCE_TYPE, HOSTS_TARGET_KEY, INDEX_RESOURCE_TYPE, INDEX_TARGET_KEY } from './catalog.js';
import { parseIsoDurationMs } from './durations.js';
import { FINAL_EXPERIMENT_STATUSES, FisStore, type ExperimentActionRecord, type StoredExperiment } from './store.js';
import { RequestWindow } from './request-window.js';
import { heldCondition, watchedMetrics, type StopMetric } from './stop-conditions.js';
import { driveOfArn, hostOfArn, operationsOf, type TemplateScope, type TemplateTarget } from './templates.js';

export const FIS_RUNNER_STEP_MS = 250;
const FINAL_ACTION_STATUSES = ['completed', 'cancelled', 'stopped', 'failed', 'skipped'];

export interface FisRunnerParts {
  storage: Storage;
  faults: FaultStore;
  store: FisStore;
  scope: TemplateScope;
  /** The whole server's request counts (for stop conditions on request metrics). */
  requests: RequestWindow;
  /** The cluster's host registry (PostgreSQL index only). */
  hosts?: PostgresHostRegistry;
  log: (line: string) => void;
}

/** The value of a stop condition's metric now. */
function readStopMetric(parts: FisRunnerParts, metric: StopMetric): number | undefined {
  if (metric === 'http_5xx_rate') return parts.requests.serverErrorRate();
  if (metric === 'http_5xx_count') return parts.requests.serverErrorCount();
  return parts.storage.driveStores.filter((drive) => !drive.online).length;
}

/**
 * The resources a target resolves to: its ARNs (or every one), then the selection mode's share of
 * them, chosen at random. Drives are numbered from 1; the index is the one resource 1.
 */
export function resolveDrives(target: TemplateTarget, scope: TemplateScope): number[] {
  const candidates = target.resourceType === INDEX_RESOURCE_TYPE
    ? [1]
    : target.resourceArns?.map((arn) => driveOfArn(arn, scope)) ?? Array.from({ length: scope.driveCount }, (_, index) => index + 1);
  return selectShare(candidates, target.selectionMode).sort((a, b) => a - b);
}

/** The selection mode's share of the candidates (ALL, COUNT(n), PERCENT(n)), chosen at random. */
function selectShare<T>(candidates: T[], selectionMode: string): T[] {
  const count = /^COUNT\((\d+)\)$/.exec(selectionMode);
  const percent = /^PERCENT\((\d+)\)$/.exec(selectionMode);
  let wanted = candidates.length;
  if (count !== null) wanted = Math.min(candidates.length, Number(count[1]));
  if (percent !== null) wanted = Math.floor((candidates.length * Number(percent[1])) / 100);
  const shuffled = [...candidates];
  for (let index = shuffled.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [shuffled[index], shuffled[other]] = [shuffled[other]!, shuffled[index]!];
  }
  return shuffled.slice(0, wanted);
}

/** The live hosts a host target resolves to: its ARNs (or every host), those with its tags, then the selection mode's share. */
async function resolveHosts(target: TemplateTarget, parts: FisRunnerParts): Promise<string[]> {
  if (parts.hosts === undefined) return [];
  const named = target.resourceArns?.map((arn) => hostOfArn(arn, parts.scope));
  const role = target.resourceTags?.['role'];
  const live = (await parts.hosts.liveHosts()).filter((host) => (named === undefined || named.includes(host.hostId)) && (role === undefined || host.role === role));
  return selectShare(live.map((host) => host.hostId), target.selectionMode).sort();
}

async function removeFaultsOf(parts: FisRunnerParts, experimentId: string): Promise<void> {
  for (const fault of await parts.faults.list()) if (fault.experiment === experimentId) await parts.faults.remove(fault.id);
  for (const fault of await parts.faults.api.list()) if (fault.experiment === experimentId) await parts.faults.api.remove(fault.id);
  for (const fault of await parts.faults.index.list()) if (fault.experiment === experimentId) await parts.faults.index.remove(fault.id);
  await parts.hosts?.removeCommandsOf(experimentId);
}

/** Ends the experiment: running actions stopped, pending ones cancelled, its faults removed. */
async function finish(parts: FisRunnerParts, experiment: StoredExperiment, status: 'stopped' | 'failed' | 'completed', reason: string, nowMs: number): Promise<void> {
  for (const action of Object.values(experiment.actions)) {
    if (action.status === 'running') Object.assign(action, { status: status === 'failed' ? 'failed' : 'stopped', endTimeMs: nowMs });
    else if (action.status === 'pending') action.status = 'cancelled';
  }
  if (status !== 'completed') await removeFaultsOf(parts, experiment.id);
  Object.assign(experiment, { status, reason, endTimeMs: nowMs });
  parts.log(`fis: experiment ${experiment.id} ${status}: ${reason}`);
}

async function startAction(parts: FisRunnerParts, experiment: StoredExperiment, action: ExperimentActionRecord, nowMs: number): Promise<void> {
  const spec = actionSpec(action.actionId)!;
  const durationMs = action.parameters['duration'] === undefined ? 0 : parseIsoDurationMs(action.parameters['duration'], 'duration');
  const drives = action.targets['Drives'] === undefined ? [] : experiment.resolvedDrives[action.targets['Drives']] ?? [];
  for (const drive of drives) {
    if (spec.effect.kind === 'drive-fault') {
      const latencyMs = action.parameters['latencyMilliseconds'] === undefined ? undefined : Number(action.parameters['latencyMilliseconds']);
      await injectFault(parts.storage, parts.faults, {
        drive, action: spec.effect.fault, durationSeconds: Math.ceil(durationMs / 1000), latencyMs, experiment: experiment.id,
      });
    } else if (spec.effect.kind === 'corrupt') {
      await injectFault(parts.storage, parts.faults, { drive, action: 'corrupt', durationSeconds: 1, bytes: Number(action.parameters['bytes'] ?? 1), experiment: experiment.id });
    }
  }
  if (spec.effect.kind === 'api-fault') {
    if ((await parts.faults.api.list(nowMs)).length >= FAULTS_ACTIVE_MAX) throw new Error(`${FAULTS_ACTIVE_MAX} API faults are active already.`);
    await parts.faults.api.add({
      action: spec.effect.fault, operations: operationsOf(action.parameters['operations']!, 'operations'), percentage: Number(action.parameters['percentage']),
      expiresAtMs: nowMs + durationMs, experiment: experiment.id,
    });
  }
  if (spec.effect.kind === 'index-fault' && (experiment.resolvedDrives[action.targets[INDEX_TARGET_KEY] ?? ''] ?? []).length > 0) {
    const listedMs = spec.effect.fault === 'pause' ? durationMs : INDEX_DROP_FAULT_LISTED_MS;
    await parts.faults.index.add({ action: spec.effect.fault, expiresAtMs: nowMs + listedMs, experiment: experiment.id });
  }
  if (spec.effect.kind === 'host') {
    const hosts = experiment.resolvedHosts?.[action.targets[HOSTS_TARGET_KEY] ?? ''] ?? [];
    const expiresAtMs = nowMs + (spec.effect.action === 'stop' ? HOST_STOP_COMMAND_TTL_MS : durationMs);
    for (const hostId of hosts) await parts.hosts!.addCommand({ hostId, action: spec.effect.action, expiresAtMs, experiment: experiment.id }, nowMs);
  }
  Object.assign(action, { status: 'running', startTimeMs: nowMs, deadlineMs: nowMs + durationMs });
}

/** One step of one experiment, changing its record in place. */
async function advance(parts: FisRunnerParts, experiment: StoredExperiment, nowMs: number): Promise<void> {
  if (await parts.store.stopRequested(experiment.id)) return finish(parts, experiment, 'stopped', 'Experiment stopped by a StopExperiment call.', nowMs);
  if (experiment.status === 'pending' || experiment.status === 'initiating') {
    experiment.resolvedHosts = {};
    for (const [name, target] of Object.entries(experiment.targets)) {
      if (target.resourceType === HOST_RESOURCE_TYPE) experiment.resolvedHosts[name] = await resolveHosts(target, parts);
      else experiment.resolvedDrives[name] = resolveDrives(target, parts.scope);
    }
    const empty = [...Object.entries(experiment.resolvedDrives), ...Object.entries(experiment.resolvedHosts)].find(([, resources]) => resources.length === 0);
    if (empty !== undefined) return finish(parts, experiment, 'failed', `Target ${empty[0]} resolved to no ${experiment.targets[empty[0]]?.resourceType ?? 'resource'}.`, nowMs);
    Object.assign(experiment, { status: 'running', startTimeMs: nowMs });
  }
  const held = heldCondition(experiment.stopConditions, (metric) => readStopMetric(parts, metric));
  if (held !== undefined) return finish(parts, experiment, 'stopped', held, nowMs);
  for (const action of Object.values(experiment.actions)) {
    if (action.status === 'running' && nowMs >= (action.deadlineMs ?? 0)) Object.assign(action, { status: 'completed', endTimeMs: nowMs });
  }
  for (const action of Object.values(experiment.actions)) {
    if (action.status !== 'pending') continue;
    if (!action.startAfter.every((name) => experiment.actions[name]?.status === 'completed')) continue;
    try {
      await startAction(parts, experiment, action, nowMs);
    } catch (error) {
      Object.assign(action, { status: 'failed', reason: error instanceof Error ? error.message : String(error), endTimeMs: nowMs });
      return finish(parts, experiment, 'failed', `Action ${action.actionId} failed: ${action.reason}`, nowMs);
    }
  }
  if (Object.values(experiment.actions).every((action) => FINAL_ACTION_STATUSES.includes(action.status))) {
    return finish(parts, experiment, 'completed', 'Experiment completed.', nowMs);
  }
}

/** The fault and experiment stores under a server's data directory. */
/** The fault and experiment stores under a server's data directory, and the host registry on PostgreSQL. */
export function fisFilesOf(settings: { dataDirectory: string; indexUrl?: string }): { faults: FaultStore; store: FisStore; requests: RequestWindow; hosts?: PostgresHostRegistry } {
  const { dataDirectory } = settings;
  return {
    faults: FaultStore.forDataDirectory(dataDirectory), store: FisStore.forDataDirectory(dataDirectory), requests: new RequestWindow(requestCountsDirectoryOf(dataDirectory)),
    ...(settings.indexUrl === undefined ? {} : { hosts: PostgresHostRegistry.open(settings.indexUrl) }),
  };
}

export function startFisRunner(parts: FisRunnerParts): { step(): Promise<void>; stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const step = async (): Promise<void> => {
    const experiments = (await parts.store.listExperiments()).filter((experiment) => !FINAL_EXPERIMENT_STATUSES.includes(experiment.status));
    if (experiments.some((experiment) => watchedMetrics(experiment.stopConditions).some((metric) => metric.startsWith('http_')))) parts.requests.sample(Date.now());
    for (const experiment of experiments) {
      const before = JSON.stringify(experiment);
      await advance(parts, experiment, Date.now());
      if (JSON.stringify(experiment) !== before) await parts.store.putExperiment(experiment);
    }
    await parts.store.pruneFinished();
  };
  const timer = setInterval(() => {
    // A slow step must not pile up steps.
    running ??= step().catch((error: Error) => parts.log(`fis: runner step failed: ${error.message}`)).finally(() => {
      running = undefined;
    });
  }, FIS_RUNNER_STEP_MS);
  timer.unref();
  return {
    step,
    async stop() {
      clearInterval(timer);
      await running;
      await parts.hosts?.close();
    },
  };
}
