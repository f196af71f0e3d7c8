// The update actions of a commit (CommitTableRequest.updates), applied in order to a copy of the
// table's metadata: schemas, partition specs, sort orders, snapshots and refs, location,
// properties and statistics, as the REST spec and the table spec define them. Pure: the caller
// writes the result. An unknown action or an invalid one is a bad request (400).
import { badRequest } from './errors.js';
import {
  isObject, type LongId, NO_SNAPSHOT_ID, readProperties, requireLongId, readSchema, readSortFields, readSpecFields, requireInteger, requireObject, requireString,
  type JsonObject, type Snapshot, type SnapshotRef, type TableMetadata,
} from './metadata-model.js';

const UPDATES_MAX = 1000;
/** The highest table format version this catalog writes. */
const FORMAT_VERSION_MAX = 2;
/** `-1` in set-current-schema, set-default-spec and set-default-sort-order: the one added last in this commit. */
const LAST_ADDED = -1;

interface Applying {
  metadata: TableMetadata;
  nowMs: number;
  lastAddedSchemaId?: number;
  lastAddedSpecId?: number;
  lastAddedOrderId?: number;
}

type Apply = (state: Applying, update: JsonObject) => void;

const nextId = (ids: number[]): number => (ids.length === 0 ? 0 : Math.max(...ids) + 1);

function chosenId(value: unknown, lastAdded: number | undefined, what: string, known: number[]): number {
  let id = requireInteger(value, what);
  if (id === LAST_ADDED) {
    if (lastAdded === undefined) throw badRequest(`Cannot set ${what} to -1: nothing was added in this commit`);
    id = lastAdded;
  }
  if (!known.includes(id)) throw badRequest(`Cannot set ${what}: unknown id ${id}`);
  return id;
}

function addSchema(state: Applying, update: JsonObject): void {
  const { schema, highestFieldId } = readSchema(update['schema']);
  const m = state.metadata;
  const sameFields = (other: JsonObject) => JSON.stringify(other['fields']) === JSON.stringify(schema.fields);
  const existing = m.schemas.find(sameFields);
  const schemaId = existing?.['schema-id'] ?? nextId(m.schemas.map((s) => s['schema-id']));
  if (existing === undefined) m.schemas = [...m.schemas, { ...schema, 'schema-id': schemaId }];
  const lastColumnId = update['last-column-id'] === undefined ? highestFieldId : requireInteger(update['last-column-id'], 'last-column-id');
  m['last-column-id'] = Math.max(m['last-column-id'], lastColumnId, highestFieldId);
  state.lastAddedSchemaId = schemaId;
}

function addSpec(state: Applying, update: JsonObject): void {
  const fields = readSpecFields(update['spec']);
  const m = state.metadata;
  const specId = nextId(m['partition-specs'].map((s) => s['spec-id']));
  for (const field of fields) m['last-partition-id'] = Math.max(m['last-partition-id'], requireInteger(field['field-id'], 'partition field-id'));
  m['partition-specs'] = [...m['partition-specs'], { 'spec-id': specId, fields }];
  state.lastAddedSpecId = specId;
}

function addSortOrder(state: Applying, update: JsonObject): void {
  const order = requireObject(update['sort-order'], 'sort-order');
  const fields = readSortFields(order);
  const m = state.metadata;
  // The unsorted order is always id 0; any other gets the next free id above it.
  const orderId = fields.length === 0 ? 0 : Math.max(1, nextId(m['sort-orders'].map((o) => o['order-id'])));
  if (!m['sort-orders'].some((o) => o['order-id'] === orderId)) m['sort-orders'] = [...m['sort-orders'], { 'order-id': orderId, fields }];
  state.lastAddedOrderId = orderId;
}

function addSnapshot(state: Applying, update: JsonObject): void {
  const snapshot = requireObject(update['snapshot'], 'snapshot') as Snapshot;
  const m = state.metadata;
  const snapshotId = requireLongId(snapshot['snapshot-id'], 'snapshot-id');
  requireInteger(snapshot['timestamp-ms'], 'timestamp-ms');
  requireString(snapshot['manifest-list'], 'manifest-list');
  if (m.snapshots.some((s) => s['snapshot-id'] === snapshotId)) throw badRequest(`Snapshot already exists: ${snapshotId}`);
  const sequence = snapshot['sequence-number'] === undefined ? m['last-sequence-number'] + 1 : requireInteger(snapshot['sequence-number'], 'sequence-number');
  if (m['format-version'] >= 2 && sequence <= m['last-sequence-number']) {
    throw badRequest(`Cannot add snapshot with sequence number ${sequence} older than last sequence number ${m['last-sequence-number']}`);
  }
  m.snapshots = [...m.snapshots, { ...snapshot, 'sequence-number': sequence }];
  m['last-sequence-number'] = sequence;
  m['last-updated-ms'] = snapshot['timestamp-ms'];
}

function setSnapshotRef(state: Applying, update: JsonObject): void {
  const name = requireString(update['ref-name'], 'ref-name');
  const snapshotId = requireLongId(update['snapshot-id'], 'snapshot-id');
  if (update['type'] !== 'branch' && update['type'] !== 'tag') throw badRequest('Invalid ref type: must be branch or tag');
  const m = state.metadata;
  const snapshot = m.snapshots.find((s) => s['snapshot-id'] === snapshotId);
  if (snapshot === undefined) throw badRequest(`Cannot set ${name} to unknown snapshot: ${snapshotId}`);
  const ref: SnapshotRef = { 'snapshot-id': snapshotId, type: update['type'] };
  for (const key of ['max-ref-age-ms', 'max-snapshot-age-ms', 'min-snapshots-to-keep']) {
    if (update[key] !== undefined && update[key] !== null) ref[key] = requireInteger(update[key], key);
  }
  m.refs = { ...m.refs, [name]: ref };
  if (name === 'main') {
    m['current-snapshot-id'] = snapshotId;
    m['snapshot-log'] = [...m['snapshot-log'], { 'timestamp-ms': Math.max(snapshot['timestamp-ms'], state.nowMs), 'snapshot-id': snapshotId }];
  }
}

function removeRef(m: TableMetadata, name: string): void {
  const { [name]: _removed, ...rest } = m.refs;
  m.refs = rest;
  if (name === 'main') m['current-snapshot-id'] = NO_SNAPSHOT_ID;
}

function removeSnapshots(state: Applying, update: JsonObject): void {
  if (!Array.isArray(update['snapshot-ids'])) throw badRequest('Invalid snapshot-ids: must be a list');
  const removed = new Set<LongId>(update['snapshot-ids'].map((id) => requireLongId(id, 'snapshot id')));
  const m = state.metadata;
  m.snapshots = m.snapshots.filter((s) => !removed.has(s['snapshot-id']));
  for (const [name, ref] of Object.entries(m.refs)) if (removed.has(ref['snapshot-id'])) removeRef(m, name);
  m['snapshot-log'] = m['snapshot-log'].filter((entry) => !removed.has(entry['snapshot-id']));
  m.statistics = m.statistics.filter((entry) => !removed.has(entry['snapshot-id'] as LongId));
  m['partition-statistics'] = m['partition-statistics'].filter((entry) => !removed.has(entry['snapshot-id'] as LongId));
}

function setStatistics(list: 'statistics' | 'partition-statistics', field: string): Apply {
  return (state, update) => {
    const entry = requireObject(update[field], field);
    const snapshotId = requireLongId(entry['snapshot-id'], 'snapshot-id');
    requireString(entry['statistics-path'], 'statistics-path');
    state.metadata[list] = [...state.metadata[list].filter((e) => e['snapshot-id'] !== snapshotId), entry];
  };
}

function removeStatistics(list: 'statistics' | 'partition-statistics'): Apply {
  return (state, update) => {
    const snapshotId = requireLongId(update['snapshot-id'], 'snapshot-id');
    state.metadata[list] = state.metadata[list].filter((e) => e['snapshot-id'] !== snapshotId);
  };
}

function idList(value: unknown, what: string): Set<number> {
  if (!Array.isArray(value)) throw badRequest(`Invalid ${what}: must be a list`);
  return new Set(value.map((id) => requireInteger(id, what)));
}

const APPLY: Record<string, Apply> = {
  'assign-uuid': (state, update) => { state.metadata['table-uuid'] = requireString(update['uuid'], 'uuid'); },
  'upgrade-format-version': (state, update) => {
    const version = requireInteger(update['format-version'], 'format-version');
    if (version < state.metadata['format-version']) throw badRequest(`Cannot downgrade format version from ${state.metadata['format-version']} to ${version}`);
    if (version > FORMAT_VERSION_MAX) throw badRequest(`Unsupported format version: ${version} (at most ${FORMAT_VERSION_MAX})`);
    state.metadata['format-version'] = version;
  },
  'add-schema': addSchema,
  'set-current-schema': (state, update) => {
    state.metadata['current-schema-id'] = chosenId(update['schema-id'], state.lastAddedSchemaId, 'current schema', state.metadata.schemas.map((s) => s['schema-id']));
  },
  'add-spec': addSpec,
  'set-default-spec': (state, update) => {
    state.metadata['default-spec-id'] = chosenId(update['spec-id'], state.lastAddedSpecId, 'default spec', state.metadata['partition-specs'].map((s) => s['spec-id']));
  },
  'add-sort-order': addSortOrder,
  'set-default-sort-order': (state, update) => {
    state.metadata['default-sort-order-id'] = chosenId(update['sort-order-id'], state.lastAddedOrderId, 'default sort order', state.metadata['sort-orders'].map((o) => o['order-id']));
  },
  'add-snapshot': addSnapshot,
  'set-snapshot-ref': setSnapshotRef,
  'remove-snapshots': removeSnapshots,
  'remove-snapshot-ref': (state, update) => removeRef(state.metadata, requireString(update['ref-name'], 'ref-name')),
  'set-location': (state, update) => { state.metadata.location = requireString(update['location'], 'location').replace(/\/+$/, ''); },
  'set-properties': (state, update) => { state.metadata.properties = { ...state.metadata.properties, ...readProperties(update['updates'], 'updates') }; },
  'remove-properties': (state, update) => {
    if (!Array.isArray(update['removals'])) throw badRequest('Invalid removals: must be a list');
    const removals = new Set(update['removals'].map((key) => requireString(key, 'property name')));
    state.metadata.properties = Object.fromEntries(Object.entries(state.metadata.properties).filter(([key]) => !removals.has(key)));
  },
  'set-statistics': setStatistics('statistics', 'statistics'),
  'remove-statistics': removeStatistics('statistics'),
  'set-partition-statistics': setStatistics('partition-statistics', 'partition-statistics'),
  'remove-partition-statistics': removeStatistics('partition-statistics'),
  'remove-partition-specs': (state, update) => {
    const ids = idList(update['spec-ids'], 'spec-ids');
    if (ids.has(state.metadata['default-spec-id'])) throw badRequest('Cannot remove the default partition spec');
    state.metadata['partition-specs'] = state.metadata['partition-specs'].filter((s) => !ids.has(s['spec-id']));
  },
  'remove-schemas': (state, update) => {
    const ids = idList(update['schema-ids'], 'schema-ids');
    if (ids.has(state.metadata['current-schema-id'])) throw badRequest('Cannot remove the current schema');
    state.metadata.schemas = state.metadata.schemas.filter((s) => !ids.has(s['schema-id']));
  },
};

/** The updates of a request, each an object with a known action (checked before anything is applied). */
export function readUpdates(value: unknown): JsonObject[] {
  if (!Array.isArray(value) || value.length > UPDATES_MAX) throw badRequest(`Invalid updates: must be a list of at most ${UPDATES_MAX}`);
  return value.map((update) => {
    if (!isObject(update) || typeof update['action'] !== 'string') throw badRequest('Invalid update: must be an object with an action');
    if (APPLY[update['action']] === undefined) throw badRequest(`Unknown update action: ${update['action']}`);
    return update;
  });
}

/** The metadata after every update, in order (the input is not changed). */
export function applyUpdates(metadata: TableMetadata, updates: JsonObject[], nowMs: number): TableMetadata {
  const state: Applying = { metadata: structuredClone(metadata), nowMs };
  for (const update of updates) APPLY[update['action'] as string]!(state, update);
  if (updates.length > 0) state.metadata['last-updated-ms'] = Math.max(state.metadata['last-updated-ms'], nowMs);
  return state.metadata;
}
