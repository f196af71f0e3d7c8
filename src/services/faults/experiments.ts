// Fault requests and experiment templates: validation (every problem is a FaultInputError, answered
// 400, and nothing is injected), injection, and templates saved as JSON files beside the faults.
// A template: { "targets": { "drives": [1, 2] }, "actions": [{ "action": "slow", "latencyMs": 50 }],
//   "durationSeconds": 30, "stopCondition": { "maxDrivesOffline": 2 } } — every action on every
// target drive for the duration; stopped early when more than maxDrivesOffline drives are offline.

import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { Storage } from '../../storage/index.js';
import type { StateFaultAction } from '../../storage/faults/drive-faults.js';
import { corruptRandomRecords, type CorruptedByte } from './corrupt.js';
import {
  FAULT_CORRUPT_BYTES_DEFAULT, FAULT_CORRUPT_BYTES_MAX, FAULT_DURATION_SECONDS_DEFAULT, FAULT_DURATION_SECONDS_MAX, FAULT_LATENCY_MS_DEFAULT,
  FAULT_LATENCY_MS_MAX, FAULTS_ACTIVE_MAX, type FaultStore, type StoredFault,
} from './fault-store.js';

export const FAULT_ACTIONS = ['fail', 'slow', 'read-only', 'corrupt'] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];
export const FAULT_TEMPLATES_MAX = 100;
const TEMPLATE_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const TEMPLATE_ACTIONS_MAX = 8;
const TEMPLATE_FILE_SIZE_BYTES_MAX = 16 * 1024;

export class FaultInputError extends Error {
  constructor(message: string, readonly status = 400, readonly code = 'InvalidInput') {
    super(message);
  }
}

export interface FaultRequest {
  drive: number;
  action: FaultAction;
  durationSeconds: number;
  latencyMs?: number;
  bytes?: number;
}

export interface ActionSpec {
  action: FaultAction;
  latencyMs?: number;
  bytes?: number;
}

export interface FaultTemplate {
  targets: { drives: number[] };
  actions: ActionSpec[];
  durationSeconds: number;
  stopCondition?: { maxDrivesOffline: number };
}

export type InjectOutcome = { id: string; fault: StoredFault } | { action: 'corrupt'; drive: number; corrupted: CorruptedByte[] };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyFields(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const unknown = Object.keys(value).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) throw new FaultInputError(`${what}: unknown field(s) ${unknown.map((name) => JSON.stringify(name)).join(', ')}; allowed: ${allowed.join(', ')}`);
}

function integerIn(value: unknown, name: string, min: number, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new FaultInputError(`"${name}" must be an integer from ${min} to ${max}${value === undefined ? ' (it is missing)' : ''}`);
  }
  return value;
}

function driveNumber(value: unknown, driveCount: number): number {
  return integerIn(value, 'drive', 1, driveCount);
}

/** An action with its own options checked: latencyMs only for 'slow', bytes only for 'corrupt'. */
function parseAction(value: Record<string, unknown>, what: string): ActionSpec {
  const action = value['action'];
  if (typeof action !== 'string' || !(FAULT_ACTIONS as readonly string[]).includes(action)) {
    throw new FaultInputError(`${what}: "action" must be one of ${FAULT_ACTIONS.join(', ')}`);
  }
  if (value['latencyMs'] !== undefined && action !== 'slow') throw new FaultInputError(`${what}: "latencyMs" applies only to the action slow`);
  if (value['bytes'] !== undefined && action !== 'corrupt') throw new FaultInputError(`${what}: "bytes" applies only to the action corrupt`);
  const spec: ActionSpec = { action: action as FaultAction };
  if (action === 'slow') spec.latencyMs = integerIn(value['latencyMs'], 'latencyMs', 1, FAULT_LATENCY_MS_MAX, FAULT_LATENCY_MS_DEFAULT);
  if (action === 'corrupt') spec.bytes = integerIn(value['bytes'], 'bytes', 1, FAULT_CORRUPT_BYTES_MAX, FAULT_CORRUPT_BYTES_DEFAULT);
  return spec;
}

export function parseFaultRequest(body: unknown, driveCount: number): FaultRequest {
  if (!isObject(body)) throw new FaultInputError('The request body must be a JSON object.');
  onlyFields(body, ['drive', 'action', 'durationSeconds', 'latencyMs', 'bytes'], 'fault');
  const spec = parseAction(body, 'fault');
  const drive = driveNumber(body['drive'], driveCount);
  if (spec.action === 'corrupt' && body['durationSeconds'] !== undefined) throw new FaultInputError('"durationSeconds" does not apply to corrupt (it acts once, now)');
  const durationSeconds = integerIn(body['durationSeconds'], 'durationSeconds', 1, FAULT_DURATION_SECONDS_MAX, FAULT_DURATION_SECONDS_DEFAULT);
  return { drive, durationSeconds, ...spec };
}

export function parseTemplate(body: unknown, driveCount: number): FaultTemplate {
  if (!isObject(body)) throw new FaultInputError('A template must be a JSON object.');
  onlyFields(body, ['targets', 'actions', 'durationSeconds', 'stopCondition'], 'template');
  const targets = body['targets'];
  if (!isObject(targets) || !Array.isArray(targets['drives']) || targets['drives'].length === 0) {
    throw new FaultInputError('template: "targets" must be {"drives": [N, …]} with at least one drive');
  }
  onlyFields(targets, ['drives'], 'template targets');
  const drives = targets['drives'].map((drive) => driveNumber(drive, driveCount));
  if (new Set(drives).size !== drives.length) throw new FaultInputError('template: a drive is named twice in "targets"');
  const actions = body['actions'];
  if (!Array.isArray(actions) || actions.length === 0 || actions.length > TEMPLATE_ACTIONS_MAX) {
    throw new FaultInputError(`template: "actions" must be an array of 1 to ${TEMPLATE_ACTIONS_MAX} actions`);
  }
  const specs = actions.map((action, index) => {
    if (!isObject(action)) throw new FaultInputError(`template action ${index + 1}: must be a JSON object`);
    onlyFields(action, ['action', 'latencyMs', 'bytes'], `template action ${index + 1}`);
    return parseAction(action, `template action ${index + 1}`);
  });
  const template: FaultTemplate = {
    targets: { drives }, actions: specs,
    durationSeconds: integerIn(body['durationSeconds'], 'durationSeconds', 1, FAULT_DURATION_SECONDS_MAX),
  };
  const stop = body['stopCondition'];
  if (stop !== undefined) {
    if (!isObject(stop)) throw new FaultInputError('template: "stopCondition" must be {"maxDrivesOffline": N}');
    onlyFields(stop, ['maxDrivesOffline'], 'template stopCondition');
    template.stopCondition = { maxDrivesOffline: integerIn(stop['maxDrivesOffline'], 'maxDrivesOffline', 0, driveCount) };
  }
  return template;
}

/** Injects one fault: a state fault becomes a file every worker applies; corrupt acts now. */
export async function injectFault(storage: Storage, store: FaultStore, request: FaultRequest & { experiment?: string; stopWhenDrivesOfflineAbove?: number }): Promise<InjectOutcome> {
  const drive = storage.driveStores[request.drive - 1]!;
  if (request.action === 'corrupt') {
    return { action: 'corrupt', drive: request.drive, corrupted: await corruptRandomRecords(drive.drivePath, request.bytes ?? FAULT_CORRUPT_BYTES_DEFAULT) };
  }
  if ((await store.list()).length >= FAULTS_ACTIVE_MAX) throw new FaultInputError(`at most ${FAULTS_ACTIVE_MAX} faults may be active at once`, 409, 'LimitExceeded');
  const fault = await store.add({
    drive: request.drive, action: request.action as StateFaultAction, latencyMs: request.latencyMs,
    expiresAtMs: Date.now() + request.durationSeconds * 1000,
    experiment: request.experiment, stopWhenDrivesOfflineAbove: request.stopWhenDrivesOfflineAbove,
  });
  return { id: fault.id, fault };
}

export class TemplateStore {
  constructor(readonly directory: string) {}

  static forDataDirectory(dataDirectory: string): TemplateStore {
    return new TemplateStore(join(dataDirectory, 'fault-templates'));
  }

  private path(name: string): string {
    if (!TEMPLATE_NAME_PATTERN.test(name)) throw new FaultInputError('A template name is 1 to 64 of A–Z a–z 0–9 . _ -');
    return join(this.directory, `${name}.json`);
  }

  async put(name: string, template: FaultTemplate): Promise<void> {
    const path = this.path(name);
    await fs.mkdir(this.directory, { recursive: true });
    const names = (await fs.readdir(this.directory)).filter((file) => file.endsWith('.json'));
    if (names.length >= FAULT_TEMPLATES_MAX && !names.includes(`${name}.json`)) {
      throw new FaultInputError(`at most ${FAULT_TEMPLATES_MAX} templates may be saved`, 409, 'LimitExceeded');
    }
    const temporary = `${path}.${process.pid}.tmp`;
    await fs.writeFile(temporary, JSON.stringify(template, null, 2), { mode: 0o600 });
    await fs.rename(temporary, path);
  }

  async get(name: string): Promise<FaultTemplate> {
    const path = this.path(name);
    try {
      const text = await fs.readFile(path, 'utf8');
      if (text.length > TEMPLATE_FILE_SIZE_BYTES_MAX) throw new Error('template file too large');
      return JSON.parse(text) as FaultTemplate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new FaultInputError(`No fault template named ${name}.`, 404, 'NoSuchTemplate');
      throw error;
    }
  }
}

/** Runs a template: every action on every target drive; returns what was injected. */
export async function runTemplate(storage: Storage, store: FaultStore, name: string, template: FaultTemplate): Promise<InjectOutcome[]> {
  const outcomes: InjectOutcome[] = [];
  for (const drive of template.targets.drives) {
    for (const spec of template.actions) {
      outcomes.push(await injectFault(storage, store, {
        drive, durationSeconds: template.durationSeconds, ...spec, experiment: name,
        stopWhenDrivesOfflineAbove: template.stopCondition?.maxDrivesOffline,
      }));
    }
  }
  return outcomes;
}
