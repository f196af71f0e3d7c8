// The Iceberg metadata model's pure functions: a new table's metadata (fresh field ids, specs and
// sort orders mapped to them), each commit requirement judged, every update action applied, and
// unknown requirements and actions refused before anything is applied.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IcebergError } from '../../src/features/tables/iceberg/errors.js';
import { losslessParse, losslessStringify, newTableMetadata, type TableMetadata } from '../../src/features/tables/iceberg/metadata-model.js';
import { checkRequirements, readRequirements } from '../../src/features/tables/iceberg/metadata-requirements.js';
import { applyUpdates, readUpdates } from '../../src/features/tables/iceberg/metadata-updates.js';

const SCHEMA = {
  type: 'struct', 'schema-id': 7, fields: [
    { id: 10, name: 'id', required: true, type: 'long' },
    { id: 20, name: 'tags', required: false, type: { type: 'list', 'element-id': 30, element: 'string', 'element-required': false } },
    { id: 40, name: 'day', required: false, type: 'date' },
  ],
};

function table(): TableMetadata {
  return newTableMetadata({
    schema: SCHEMA, 'partition-spec': { fields: [{ 'source-id': 40, transform: 'day', name: 'day_day' }] },
    'write-order': { fields: [{ 'source-id': 10, transform: 'identity', direction: 'asc', 'null-order': 'nulls-first' }] },
  }, 's3://wh/t', '11111111-1111-1111-1111-111111111111', 1000);
}

const rejectsWith = (type: string, run: () => unknown) => assert.throws(run, (error: unknown) => error instanceof IcebergError && error.type === type);

describe('Iceberg metadata model', () => {
  it('a new table gets fresh field ids, with its spec and sort order mapped to them', () => {
    const metadata = table();
    assert.deepEqual(metadata.schemas[0]!.fields.map((field) => field.id), [1, 2, 3]);
    assert.equal((metadata.schemas[0]!.fields[1]!.type as { 'element-id': number })['element-id'], 4);
    assert.equal(metadata['last-column-id'], 4);
    assert.deepEqual(metadata['partition-specs'][0]!.fields, [{ 'source-id': 3, transform: 'day', name: 'day_day', 'field-id': 1000 }]);
    assert.equal(metadata['last-partition-id'], 1000);
    assert.equal(metadata['default-sort-order-id'], 1);
    assert.equal(metadata['sort-orders'][0]!.fields[0]!['source-id'], 1);
    assert.equal(metadata['current-snapshot-id'], -1);
  });

  it('judges every requirement', () => {
    const metadata = table();
    const ok = [
      { type: 'assert-table-uuid', uuid: metadata['table-uuid'] }, { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null },
      { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 4 }, { type: 'assert-current-schema-id', 'current-schema-id': 0 },
      { type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 1000 }, { type: 'assert-default-spec-id', 'default-spec-id': 0 },
      { type: 'assert-default-sort-order-id', 'default-sort-order-id': 1 },
    ];
    checkRequirements(metadata, readRequirements(ok));
    checkRequirements(undefined, readRequirements([{ type: 'assert-create' }]));
    rejectsWith('CommitFailedException', () => checkRequirements(metadata, readRequirements([{ type: 'assert-create' }])));
    for (const requirement of ok) {
      const wrong = Object.fromEntries(Object.entries(requirement).map(([key, value]) => [key, key === 'type' || key === 'ref' ? value : value === null ? 5 : typeof value === 'number' ? value + 1 : 'other']));
      rejectsWith('CommitFailedException', () => checkRequirements(metadata, readRequirements([wrong])));
    }
    rejectsWith('BadRequestException', () => readRequirements([{ type: 'assert-nothing' }]));
  });

  it('applies schema, spec, sort order, snapshot, ref, property, location and statistics updates', () => {
    const base = table();
    const next = applyUpdates(base, readUpdates([
      { action: 'add-schema', schema: { ...base.schemas[0], fields: [...base.schemas[0]!.fields, { id: 5, name: 'extra', required: false, type: 'int' }] } },
      { action: 'set-current-schema', 'schema-id': -1 },
      { action: 'add-spec', spec: { fields: [{ 'source-id': 1, 'field-id': 1001, transform: 'bucket[4]', name: 'id_bucket' }] } },
      { action: 'set-default-spec', 'spec-id': -1 },
      { action: 'add-sort-order', 'sort-order': { 'order-id': 0, fields: [] } }, { action: 'set-default-sort-order', 'sort-order-id': -1 },
      { action: 'add-snapshot', snapshot: { 'snapshot-id': 5, 'timestamp-ms': 2000, 'manifest-list': 's3://wh/t/metadata/snap.avro', summary: { operation: 'append' } } },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 5 },
      { action: 'set-snapshot-ref', 'ref-name': 'v1', type: 'tag', 'snapshot-id': 5 },
      { action: 'set-properties', updates: { a: '1', b: '2' } }, { action: 'remove-properties', removals: ['a'] },
      { action: 'set-statistics', statistics: { 'snapshot-id': 5, 'statistics-path': 's3://wh/t/stats.puffin', 'file-size-in-bytes': 1, 'file-footer-size-in-bytes': 1, 'blob-metadata': [] } },
      { action: 'set-location', location: 's3://wh/t/' }, { action: 'upgrade-format-version', 'format-version': 2 },
    ]), 3000);
    assert.equal(next['current-schema-id'], 1);
    assert.equal(next['last-column-id'], 5);
    assert.equal(next['default-spec-id'], 1);
    assert.equal(next['last-partition-id'], 1001);
    assert.equal(next['default-sort-order-id'], 0);
    assert.equal(next['current-snapshot-id'], 5);
    assert.equal(next['last-sequence-number'], 1);
    assert.deepEqual(Object.keys(next.refs), ['main', 'v1']);
    assert.deepEqual(next.properties, { b: '2' });
    assert.equal(next.location, 's3://wh/t');
    assert.equal(next.statistics.length, 1);
    const trimmed = applyUpdates(next, readUpdates([{ action: 'remove-snapshot-ref', 'ref-name': 'v1' }, { action: 'remove-statistics', 'snapshot-id': 5 },
      { action: 'remove-snapshots', 'snapshot-ids': [5] }]), 4000);
    assert.deepEqual(trimmed.refs, {});
    assert.equal(trimmed['current-snapshot-id'], -1);
    assert.deepEqual(trimmed.snapshots, []);
    assert.equal(table()['current-schema-id'], 0, 'the input is not changed');
  });

  it('keeps int64 ids beyond 2^53 exactly through parse, commit and stringify', () => {
    const text = '{"snapshot-id":5123456789012345678,"small":12,"s":"9999999999999999999 \\" 1","neg":-9007199254740993,"f":3.5}';
    assert.equal(losslessStringify(losslessParse(text)), text);
    const big = losslessParse('{"s":{"snapshot-id":5123456789012345678,"timestamp-ms":5,"manifest-list":"s3://wh/t/l.avro"}}') as { s: object };
    const next = applyUpdates(table(), readUpdates([{ action: 'add-snapshot', snapshot: big.s },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': (big.s as { 'snapshot-id': string })['snapshot-id'] }]), 9);
    assert.match(losslessStringify(next), /"current-snapshot-id":5123456789012345678[,}]/);
    checkRequirements(next, readRequirements([(losslessParse('{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":5123456789012345678}') as object)]));
    rejectsWith('CommitFailedException', () => checkRequirements(next, readRequirements([(losslessParse('{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":5123456789012345679}') as object)])));
  });

  it('refuses unknown and invalid updates', () => {
    rejectsWith('BadRequestException', () => readUpdates([{ action: 'make-it-fast' }]));
    rejectsWith('BadRequestException', () => readUpdates({ action: 'set-properties' }));
    rejectsWith('BadRequestException', () => applyUpdates(table(), readUpdates([{ action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 9 }]), 1));
    rejectsWith('BadRequestException', () => applyUpdates(table(), readUpdates([{ action: 'upgrade-format-version', 'format-version': 1 }]), 1));
    rejectsWith('BadRequestException', () => applyUpdates(table(), readUpdates([{ action: 'set-current-schema', 'schema-id': -1 }]), 1));
  });
});
