// CreateTable's optional `metadata` (the S3 Tables API): an Iceberg schema (`schema`, primitive
// fields with optional ids; or `schemaV2`, a full Iceberg struct), an optional partition spec, write
// order and properties. The table starts with a first metadata file written from them, as on AWS,
// so an engine loading it through the catalog finds its columns. Checked whole before anything is
// written; every problem is a 400 BadRequestException.
import { randomUUID } from 'node:crypto';
import { IcebergError } from './iceberg/errors.js';
import { writeMetadataFile } from './iceberg/metadata-files.js';
import { isObject, newTableMetadata, type JsonObject } from './iceberg/metadata-model.js';
import type { Layers } from '../../services/objects.js';
import { badRequest } from './names.js';

/** Iceberg's primitive types (the spec's table of them), as `schema` may name them. */
const ICEBERG_PRIMITIVE_TYPE = /^(boolean|int|long|float|double|decimal\(\s*\d+\s*,\s*\d+\s*\)|date|time|timestamp|timestamptz|timestamp_ns|timestamptz_ns|string|uuid|fixed\[\d+\]|binary)$/;

/** The Iceberg create request (the catalog's shape) that CreateTable's `metadata` stands for, or undefined without one. */
export function icebergCreateRequestOf(metadata: unknown): JsonObject | undefined {
  if (metadata === undefined) return undefined;
  if (!isObject(metadata) || !isObject(metadata['iceberg'])) throw badRequest('The metadata must name its iceberg table metadata.');
  const iceberg = metadata['iceberg'];
  const schema = iceberg['schemaV2'] ?? primitiveSchemaOf(iceberg['schema']);
  return {
    schema,
    ...(iceberg['partitionSpec'] === undefined ? {} : { 'partition-spec': iceberg['partitionSpec'] }),
    ...(iceberg['writeOrder'] === undefined ? {} : { 'write-order': iceberg['writeOrder'] }),
    ...(iceberg['properties'] === undefined ? {} : { properties: iceberg['properties'] }),
  };
}

/** `schema`'s fields as an Iceberg struct: ids as given, or 1, 2, … in order (as S3 Tables assigns them); optional unless required. */
function primitiveSchemaOf(schema: unknown): JsonObject {
  if (!isObject(schema) || !Array.isArray(schema['fields'])) throw badRequest('The iceberg metadata needs a schema with fields.');
  const fields = schema['fields'].map((field: unknown, position: number) => {
    if (!isObject(field)) throw badRequest('Each schema field must be an object with a name and a type.');
    if (typeof field['name'] !== 'string' || field['name'] === '') throw badRequest('Each schema field needs a name.');
    if (typeof field['type'] !== 'string' || !ICEBERG_PRIMITIVE_TYPE.test(field['type'])) {
      throw badRequest(`The schema field ${field['name']} has a type that is not an Iceberg primitive type: ${String(field['type']).slice(0, 64)}.`);
    }
    return { id: field['id'] ?? position + 1, name: field['name'], type: field['type'], required: field['required'] ?? false };
  });
  return { type: 'struct', 'schema-id': 0, fields };
}

/** Writes the table's first metadata file under its warehouse location; answers its location. */
export async function writeInitialMetadata(layers: Layers, request: JsonObject, warehouseLocation: string, tableId: string, nowMs: number): Promise<string> {
  let metadata;
  try {
    metadata = newTableMetadata(request, warehouseLocation, tableId, nowMs);
  } catch (error) {
    if (error instanceof IcebergError) throw badRequest(error.message);
    throw error;
  }
  const location = `${warehouseLocation}/metadata/00000-${randomUUID()}.metadata.json`;
  await writeMetadataFile(layers, location, metadata);
  return location;
}
