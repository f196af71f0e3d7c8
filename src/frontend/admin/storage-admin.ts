// Admin API routes for the storage layer (docs/fault-injection.md): faults and fault templates.
//   POST   /_cairn/admin/faults                      {drive, action, durationSeconds?, latencyMs?, bytes?} → 201
//   GET    /_cairn/admin/faults                      → {faults: [...]}
//   DELETE /_cairn/admin/faults/ID                   → 204 (404 if no such active fault)
//   PUT    /_cairn/admin/fault-templates/NAME        template JSON → 204
//   GET    /_cairn/admin/fault-templates/NAME        → the template
//   POST   /_cairn/admin/fault-templates/NAME/run    → 201 {experiment, injected: [...]}
//   GET    /_cairn/admin/heal                        → the heal job's status (docs/storage-format.md)
//   POST   /_cairn/admin/heal                        {drives?: [N, …]} → 202: the background worker starts it
//   GET    /_cairn/admin/compaction                  → compaction's status (docs/storage-format.md)
//   POST   /_cairn/admin/compaction                  → 202: the background worker runs a pass now

import { layoutFor, writeQuorum, type Redundancy, type Storage } from '../../storage/index.js';
import { FaultInputError, injectFault, parseFaultRequest, parseTemplate, runTemplate, type TemplateStore } from '../../services/faults/experiments.js';
import type { FaultStore, StoredFault } from '../../services/faults/fault-store.js';
import type { FaultWatcher } from '../../services/faults/fault-watcher.js';
import type { HealFiles } from '../../services/heal/heal-status.js';
import type { CompactionFiles } from '../../services/compaction/status.js';

export interface StorageAdmin {
  storage: Storage;
  faults: FaultStore;
  templates: TemplateStore;
  watcher: FaultWatcher;
  heal: HealFiles;
  compaction: CompactionFiles;
}

export { FaultInputError as StorageAdminError };

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new FaultInputError('The request body must be valid JSON.');
  }
}

function faultJson(fault: StoredFault): object {
  return {
    id: fault.id, drive: fault.drive, action: fault.action, ...(fault.latencyMs !== undefined ? { latencyMs: fault.latencyMs } : {}),
    createdAt: new Date(fault.createdAtMs).toISOString(), expiresAt: new Date(fault.expiresAtMs).toISOString(),
    ...(fault.experiment !== undefined ? { experiment: fault.experiment } : {}),
  };
}

function notAllowed(): never {
  throw new FaultInputError('The method is not allowed on this resource.', 405, 'MethodNotAllowed');
}

async function routeHeal(method: string, body: Buffer, admin: StorageAdmin, driveCount: number): Promise<[number, unknown]> {
  if (method === 'GET') return [200, await admin.heal.readStatus()];
  if (method !== 'POST') notAllowed();
  const request = body.length === 0 ? {} : parseJson(body);
  if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new FaultInputError('The request body must be a JSON object.');
  const unknown = Object.keys(request).filter((field) => field !== 'drives');
  if (unknown.length > 0) throw new FaultInputError(`heal: unknown field(s) ${unknown.join(', ')}; allowed: drives`);
  const drives = (request as { drives?: unknown }).drives ?? [];
  if (!Array.isArray(drives) || drives.some((drive) => !Number.isInteger(drive) || drive < 1 || drive > driveCount)) {
    throw new FaultInputError(`heal: "drives" must be an array of drive numbers from 1 to ${driveCount}`);
  }
  if (admin.storage.erasureSet === null) throw new FaultInputError('heal: a standalone drive has nothing to heal from', 400, 'InvalidRequest');
  await admin.heal.request(drives as number[]);
  return [202, { requested: true, drives }];
}

async function routeCompaction(method: string, body: Buffer, admin: StorageAdmin): Promise<[number, unknown]> {
  if (method === 'GET') return [200, await admin.compaction.readStatus()];
  if (method !== 'POST') notAllowed();
  if (body.length > 0) {
    const request = parseJson(body);
    if (typeof request !== 'object' || request === null || Array.isArray(request) || Object.keys(request).length > 0) {
      throw new FaultInputError('compaction: the request body must be empty or {}');
    }
  }
  await admin.compaction.request();
  return [202, { requested: true }];
}

/** The S3 storage classes each redundancy serves (DESIGN.md §3). */
const STORAGE_CLASSES_BY_REDUNDANCY: ReadonlyArray<[Redundancy, string]> = [
  ['standard', 'STANDARD and every other class'],
  ['reduced', 'REDUCED_REDUNDANCY, EXPRESS_ONEZONE'],
];

/** GET /_cairn/admin/layout: the drives of the erasure set and each storage class's data and parity shards. */
function layoutJson(admin: StorageAdmin): object {
  const driveCount = admin.storage.driveStores.length;
  const drives = Array.from({ length: driveCount }, (_, index) => index + 1);
  // A standalone drive (--data DIR) keeps one copy of everything: no erasure set.
  if (admin.storage.erasureSet === null) return { erasureSet: false, drives, storageClasses: [] };
  return {
    erasureSet: true, drives,
    storageClasses: STORAGE_CLASSES_BY_REDUNDANCY.map(([redundancy, classes]) => {
      const layout = layoutFor(redundancy, driveCount);
      return { redundancy, classes, dataShards: layout.dataShards, parityShards: layout.parityShards, writeQuorum: writeQuorum(layout) };
    }),
  };
}

/** Answers a storage admin request, or returns undefined when the path is not one of these routes. */
export async function routeStorageAdmin(method: string, segments: string[], body: Buffer, admin: StorageAdmin | undefined): Promise<[number, unknown] | undefined> {
  const [collection, name, action, ...rest] = segments;
  if (collection !== 'faults' && collection !== 'fault-templates' && collection !== 'heal' && collection !== 'compaction' && collection !== 'layout') return undefined;
  if (admin === undefined) throw new FaultInputError('This server does not offer fault injection.', 404, 'NotFound');
  if (collection === 'layout' && name === undefined) {
    if (method !== 'GET') notAllowed();
    return [200, layoutJson(admin)];
  }
  const driveCount = admin.storage.driveStores.length;
  if (collection === 'heal' && name === undefined) return routeHeal(method, body, admin, driveCount);
  if (collection === 'compaction' && name === undefined) return routeCompaction(method, body, admin);
  if (collection === 'faults' && name === undefined) {
    if (method === 'GET') return [200, { faults: (await admin.faults.list()).map(faultJson) }];
    if (method !== 'POST') notAllowed();
    const request = parseFaultRequest(parseJson(body), driveCount);
    const outcome = await injectFault(admin.storage, admin.faults, request);
    await admin.watcher.refresh();
    return [201, 'fault' in outcome ? faultJson(outcome.fault) : outcome];
  }
  if (collection === 'faults' && action === undefined) {
    if (method !== 'DELETE') notAllowed();
    if (!(await admin.faults.remove(name!))) throw new FaultInputError(`No active fault with id ${name}.`, 404, 'NoSuchFault');
    await admin.watcher.refresh();
    return [204, undefined];
  }
  if (collection === 'fault-templates' && name !== undefined && action === undefined) {
    if (method === 'PUT') return [204, await admin.templates.put(name, parseTemplate(parseJson(body), driveCount))];
    if (method === 'GET') return [200, await admin.templates.get(name)];
    notAllowed();
  }
  if (collection === 'fault-templates' && name !== undefined && action === 'run' && rest.length === 0) {
    if (method !== 'POST') notAllowed();
    // Checked again: the server may have been restarted with fewer drives since it was saved.
    const template = parseTemplate(await admin.templates.get(name), driveCount);
    const outcomes = await runTemplate(admin.storage, admin.faults, name, template);
    await admin.watcher.refresh();
    return [201, { experiment: name, injected: outcomes.map((outcome) => ('fault' in outcome ? faultJson(outcome.fault) : outcome)) }];
  }
  throw new FaultInputError('No such admin resource.', 404, 'NotFound');
}
