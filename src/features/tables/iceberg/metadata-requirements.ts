// The requirements of a commit (CommitTableRequest.requirements): each asserts one fact of the
// table's current metadata; a false one fails the commit with CommitFailedException (409), an
// unknown one is a bad request (400). Pure: judged against the metadata the commit read.
import { badRequest, commitFailed } from './errors.js';
import { isObject, NO_SNAPSHOT_ID, requireInteger, requireLongId, requireString, type JsonObject, type TableMetadata } from './metadata-model.js';

const REQUIREMENTS_MAX = 100;

type Check = (metadata: TableMetadata, requirement: JsonObject) => void;

function expectEqual(what: string, expected: number | string, actual: number | string): void {
  if (expected !== actual) throw commitFailed(`Requirement failed: ${what} changed: expected ${String(expected).replace('\u0001int:', '')} != ${String(actual).replace('\u0001int:', '')}`);
}

const CHECKS: Record<string, Check> = {
  'assert-table-uuid': (metadata, requirement) => expectEqual('table UUID', requireString(requirement['uuid'], 'uuid'), metadata['table-uuid']),
  'assert-ref-snapshot-id': (metadata, requirement) => {
    const ref = requireString(requirement['ref'], 'ref');
    const expected = requirement['snapshot-id'];
    const current = metadata.refs[ref];
    if (expected === null || expected === undefined) {
      if (current !== undefined) throw commitFailed(`Requirement failed: ref ${ref} was created concurrently`);
      return;
    }
    if (current === undefined) throw commitFailed(`Requirement failed: ref ${ref} is missing, expected snapshot ${String(expected)}`);
    expectEqual(`ref ${ref}'s snapshot id`, requireLongId(expected, 'snapshot-id'), current['snapshot-id']);
  },
  'assert-last-assigned-field-id': (metadata, requirement) =>
    expectEqual('last assigned field id', requireInteger(requirement['last-assigned-field-id'], 'last-assigned-field-id'), metadata['last-column-id']),
  'assert-current-schema-id': (metadata, requirement) =>
    expectEqual('current schema id', requireInteger(requirement['current-schema-id'], 'current-schema-id'), metadata['current-schema-id']),
  'assert-last-assigned-partition-id': (metadata, requirement) =>
    expectEqual('last assigned partition id', requireInteger(requirement['last-assigned-partition-id'], 'last-assigned-partition-id'), metadata['last-partition-id']),
  'assert-default-spec-id': (metadata, requirement) =>
    expectEqual('default partition spec id', requireInteger(requirement['default-spec-id'], 'default-spec-id'), metadata['default-spec-id']),
  'assert-default-sort-order-id': (metadata, requirement) =>
    expectEqual('default sort order id', requireInteger(requirement['default-sort-order-id'], 'default-sort-order-id'), metadata['default-sort-order-id']),
};

/** The requirements of a request, each an object with a known type (checked before anything is judged). */
export function readRequirements(value: unknown): JsonObject[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > REQUIREMENTS_MAX) throw badRequest(`Invalid requirements: must be a list of at most ${REQUIREMENTS_MAX}`);
  return value.map((requirement) => {
    if (!isObject(requirement) || typeof requirement['type'] !== 'string') throw badRequest('Invalid requirement: must be an object with a type');
    if (requirement['type'] !== 'assert-create' && CHECKS[requirement['type']] === undefined) throw badRequest(`Unknown requirement type: ${requirement['type']}`);
    return requirement;
  });
}

export const assertsCreate = (requirements: JsonObject[]): boolean => requirements.some((requirement) => requirement['type'] === 'assert-create');

/** Judges every requirement against the table's metadata (undefined: the table does not exist yet). */
export function checkRequirements(metadata: TableMetadata | undefined, requirements: JsonObject[]): void {
  for (const requirement of requirements) {
    if (requirement['type'] === 'assert-create') {
      if (metadata !== undefined) throw commitFailed('Requirement failed: table already exists');
      continue;
    }
    if (metadata === undefined) throw commitFailed(`Requirement failed: ${String(requirement['type'])} on a table that does not exist`);
    CHECKS[requirement['type'] as string]!(metadata, requirement);
  }
}

/** Whether the metadata has a current snapshot. */
export const hasCurrentSnapshot = (metadata: TableMetadata): boolean => metadata['current-snapshot-id'] !== NO_SNAPSHOT_ID;
