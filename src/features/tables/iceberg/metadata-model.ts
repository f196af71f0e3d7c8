// The Iceberg table metadata (format version 2) the catalog keeps in each table's metadata.json:
// its shape, the reading of JSON pieces clients send (schemas, partition specs, sort orders) with
// their limits, and the metadata of a new table with fresh field ids, as the table spec describes.
import { badRequest } from './errors.js';

export type JsonObject = Record<string, unknown>;

export interface SchemaField { id: number; name: string; required: boolean; type: unknown; doc?: string }
export interface Schema extends JsonObject { type: 'struct'; 'schema-id': number; fields: SchemaField[] }
export interface PartitionSpec extends JsonObject { 'spec-id': number; fields: JsonObject[] }
export interface SortOrder extends JsonObject { 'order-id': number; fields: JsonObject[] }
export interface Snapshot extends JsonObject { 'snapshot-id': LongId; 'sequence-number'?: number; 'timestamp-ms': number }
export interface SnapshotRef extends JsonObject { 'snapshot-id': LongId; type: 'branch' | 'tag' }

export interface TableMetadata {
  'format-version': number;
  'table-uuid': string;
  location: string;
  'last-sequence-number': number;
  'last-updated-ms': number;
  'last-column-id': number;
  'current-schema-id': number;
  schemas: Schema[];
  'default-spec-id': number;
  'partition-specs': PartitionSpec[];
  'last-partition-id': number;
  'default-sort-order-id': number;
  'sort-orders': SortOrder[];
  properties: Record<string, string>;
  'current-snapshot-id': LongId;
  refs: Record<string, SnapshotRef>;
  snapshots: Snapshot[];
  statistics: JsonObject[];
  'partition-statistics': JsonObject[];
  'snapshot-log': Array<{ 'timestamp-ms': number; 'snapshot-id': LongId }>;
  'metadata-log': Array<{ 'timestamp-ms': number; 'metadata-file': string }>;
}

/** No current snapshot (the Java reference writes -1). */
export const NO_SNAPSHOT_ID = -1;
/** The first partition field id the spec assigns; the last assigned id starts one below. */
export const PARTITION_FIELD_ID_START = 1000;
const SCHEMA_FIELDS_MAX = 10_000;
const PROPERTIES_MAX = 1000;
const PROPERTY_LENGTH_MAX = 4096;

/**
 * An int64 id (a snapshot id): engines draw them from the whole int64 range, beyond what a
 * JavaScript number holds exactly. Ids up to 2^53 - 1 are numbers; larger ones are kept as their
 * digits behind a marker (losslessParse) and written back as the same JSON number (losslessStringify).
 */
export type LongId = number | string;
const BIG_INTEGER_MARK = '\u0001int:';
/** The marker as JSON text writes it (a control character must be escaped there). */
const BIG_INTEGER_MARK_JSON = '\\u0001int:';
const BIG_INTEGER_PATTERN = /"\\u0001int:(-?\d+)"/g;

/** JSON.parse that keeps integers beyond 2^53 - 1 exactly, as marked strings of their digits. */
export function losslessParse(text: string): unknown {
  let marked = '';
  let copiedTo = 0;
  let inString = false;
  for (let position = 0; position < text.length; position++) {
    const char = text[position]!;
    if (inString) {
      if (char === '\\') position++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') { inString = true; continue; }
    if ((char >= '0' && char <= '9') || char === '-') {
      let end = position + 1;
      while (end < text.length && /[0-9.eE+-]/.test(text[end]!)) end++;
      const literal = text.slice(position, end);
      if (/^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal))) {
        marked += `${text.slice(copiedTo, position)}"${BIG_INTEGER_MARK_JSON}${literal}"`;
        copiedTo = end;
      }
      position = end - 1;
    }
  }
  return JSON.parse(copiedTo === 0 ? text : marked + text.slice(copiedTo));
}

/** JSON.stringify that writes marked big integers back as JSON numbers. */
export function losslessStringify(value: unknown): string {
  return JSON.stringify(value).replace(BIG_INTEGER_PATTERN, '$1');
}

export function requireLongId(value: unknown, what: string): LongId {
  if (typeof value === 'string' && value.startsWith(BIG_INTEGER_MARK)) return value;
  return requireInteger(value, what);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireObject(value: unknown, what: string): JsonObject {
  if (!isObject(value)) throw badRequest(`Invalid ${what}: must be an object`);
  return value;
}

export function requireInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw badRequest(`Invalid ${what}: must be an integer`);
  return value;
}

export function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw badRequest(`Invalid ${what}: must be a non-empty string`);
  return value;
}

export function readProperties(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const entries = Object.entries(requireObject(value, what));
  if (entries.length > PROPERTIES_MAX) throw badRequest(`Invalid ${what}: more than ${PROPERTIES_MAX} properties`);
  for (const [key, text] of entries) {
    if (typeof text !== 'string' || key.length > PROPERTY_LENGTH_MAX || text.length > PROPERTY_LENGTH_MAX) throw badRequest(`Invalid ${what}: ${key}`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Visits every field of a type (structs, lists' elements, maps' keys and values) in the spec's order. */
function eachFieldId(type: unknown, visit: (id: number) => void): void {
  if (!isObject(type)) return;
  if (type['type'] === 'struct' && Array.isArray(type['fields'])) {
    for (const field of type['fields']) if (isObject(field)) { visit(requireInteger(field['id'], 'field id')); eachFieldId(field['type'], visit); }
  } else if (type['type'] === 'list') {
    visit(requireInteger(type['element-id'], 'element-id')); eachFieldId(type['element'], visit);
  } else if (type['type'] === 'map') {
    visit(requireInteger(type['key-id'], 'key-id')); visit(requireInteger(type['value-id'], 'value-id'));
    eachFieldId(type['key'], visit); eachFieldId(type['value'], visit);
  }
}

/** A schema a client sent, checked (a struct with named, typed, id'd fields) and its highest field id. */
export function readSchema(value: unknown): { schema: Schema; highestFieldId: number } {
  const schema = requireObject(value, 'schema');
  if (schema['type'] !== 'struct' || !Array.isArray(schema['fields'])) throw badRequest('Invalid schema: must be a struct with fields');
  let highestFieldId = 0;
  let count = 0;
  const seen = new Set<number>();
  eachFieldId(schema, (id) => {
    if (seen.has(id) || ++count > SCHEMA_FIELDS_MAX) throw badRequest(`Invalid schema: duplicate field id ${id} or too many fields`);
    seen.add(id);
    highestFieldId = Math.max(highestFieldId, id);
  });
  for (const field of schema['fields'] as unknown[]) {
    const checked = requireObject(field, 'schema field');
    requireString(checked['name'], 'field name');
    if (typeof checked['required'] !== 'boolean' || checked['type'] === undefined) throw badRequest('Invalid schema field: required and type must be set');
  }
  const schemaId = schema['schema-id'] === undefined ? 0 : requireInteger(schema['schema-id'], 'schema-id');
  return { schema: { ...schema, 'schema-id': schemaId } as Schema, highestFieldId };
}

/**
 * The schema with fresh ids from 1, as a catalog assigns them to a new table: each struct's fields
 * first, then their nested types (the reference implementation's order). Returns the old→new map.
 */
export function withFreshIds(schema: Schema): { schema: Schema; lastColumnId: number; idMap: Map<number, number> } {
  let next = 0;
  const idMap = new Map<number, number>();
  const fresh = (old: unknown): number => { next += 1; if (typeof old === 'number') idMap.set(old, next); return next; };
  const reassign = (type: unknown): unknown => {
    if (!isObject(type)) return type;
    if (type['type'] === 'struct' && Array.isArray(type['fields'])) {
      const fields: JsonObject[] = (type['fields'] as JsonObject[]).map((field) => ({ ...field, id: fresh(field['id']) }));
      return { ...type, fields: fields.map((field) => ({ ...field, type: reassign(field['type']) })) };
    }
    if (type['type'] === 'list') {
      const elementId = fresh(type['element-id']);
      return { ...type, 'element-id': elementId, element: reassign(type['element']) };
    }
    if (type['type'] === 'map') {
      const keyId = fresh(type['key-id']);
      const valueId = fresh(type['value-id']);
      return { ...type, 'key-id': keyId, 'value-id': valueId, key: reassign(type['key']), value: reassign(type['value']) };
    }
    return type;
  };
  const reassigned = reassign(schema) as Schema;
  return { schema: { ...reassigned, 'schema-id': 0 }, lastColumnId: next, idMap };
}

const mapSourceId = (field: JsonObject, idMap: Map<number, number>): JsonObject => {
  const source = requireInteger(field['source-id'], 'source-id');
  const mapped = idMap.get(source);
  if (mapped === undefined) throw badRequest(`Invalid source-id ${source}: no such field in the schema`);
  return { ...field, 'source-id': mapped };
};

export function readSpecFields(value: unknown): JsonObject[] {
  const spec = value === undefined || value === null ? { fields: [] } : requireObject(value, 'partition spec');
  if (!Array.isArray(spec['fields'])) throw badRequest('Invalid partition spec: fields must be a list');
  return spec['fields'].map((field) => {
    const checked = requireObject(field, 'partition field');
    requireString(checked['transform'], 'partition transform');
    requireString(checked['name'], 'partition field name');
    return checked;
  });
}

export function readSortFields(value: unknown): JsonObject[] {
  const order = value === undefined || value === null ? { fields: [] } : requireObject(value, 'sort order');
  if (!Array.isArray(order['fields'])) throw badRequest('Invalid sort order: fields must be a list');
  return order['fields'].map((field) => {
    const checked = requireObject(field, 'sort field');
    requireString(checked['transform'], 'sort transform');
    return checked;
  });
}

/** The metadata of a table a CreateTableRequest describes, at `location`. */
export function newTableMetadata(request: JsonObject, location: string, tableUuid: string, nowMs: number): TableMetadata {
  const { schema } = readSchema(request['schema']);
  const { schema: freshSchema, lastColumnId, idMap } = withFreshIds(schema);
  const specFields = readSpecFields(request['partition-spec'])
    .map((field, position) => ({ ...mapSourceId(field, idMap), 'field-id': PARTITION_FIELD_ID_START + position }));
  const sortFields = readSortFields(request['write-order']).map((field) => mapSourceId(field, idMap));
  return {
    'format-version': 2, 'table-uuid': tableUuid, location, 'last-sequence-number': 0, 'last-updated-ms': nowMs,
    'last-column-id': lastColumnId, 'current-schema-id': 0, schemas: [freshSchema],
    'default-spec-id': 0, 'partition-specs': [{ 'spec-id': 0, fields: specFields }], 'last-partition-id': PARTITION_FIELD_ID_START - 1 + specFields.length,
    'default-sort-order-id': sortFields.length === 0 ? 0 : 1, 'sort-orders': sortFields.length === 0 ? [{ 'order-id': 0, fields: [] }] : [{ 'order-id': 1, fields: sortFields }],
    properties: readProperties(request['properties'], 'properties'), 'current-snapshot-id': NO_SNAPSHOT_ID, refs: {}, snapshots: [],
    statistics: [], 'partition-statistics': [], 'snapshot-log': [], 'metadata-log': [],
  };
}

/** An empty table to build from updates alone (a staged create's commit names everything). */
export function emptyTableMetadata(tableUuid: string, location: string, nowMs: number): TableMetadata {
  return {
    'format-version': 2, 'table-uuid': tableUuid, location, 'last-sequence-number': 0, 'last-updated-ms': nowMs, 'last-column-id': 0,
    'current-schema-id': -1, schemas: [], 'default-spec-id': -1, 'partition-specs': [], 'last-partition-id': PARTITION_FIELD_ID_START - 1,
    'default-sort-order-id': -1, 'sort-orders': [], properties: {}, 'current-snapshot-id': NO_SNAPSHOT_ID, refs: {}, snapshots: [],
    statistics: [], 'partition-statistics': [], 'snapshot-log': [], 'metadata-log': [],
  };
}
