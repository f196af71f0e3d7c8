// The lifecycle rules module: S3's checks of a configuration (each refused document with its exact
// code), and the decisions the worker and x-amz-expiration are built on, with a one-second day.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseXmlBody } from '../../src/frontend/xml.js';
import { LifecycleConfigurationError, parseLifecycleConfiguration } from '../../src/services/lifecycle/parse.js';
import { expireDays, REFUSED_LIFECYCLE_CONFIGURATIONS, rule } from '../helpers/lifecycle-cases.js';
import {
  coveringPrefixes,
  dayBoundaryAtOrAfter,
  decideCurrentVersion,
  decideNoncurrentVersion,
  decideSoleDeleteMarker,
  decideUpload,
  dueAfterDays,
  expirationOf,
  versionScanPrefixes,
  type LifecycleConfiguration,
} from '../../src/services/lifecycle/rules.js';

const DAY_MS = 1000;
const KIB = 1024;

function configuration(rules: string, minimumSizeHeader?: string): LifecycleConfiguration {
  let counter = 0;
  return parseLifecycleConfiguration(parseXmlBody(Buffer.from(`<LifecycleConfiguration>${rules}</LifecycleConfiguration>`)), minimumSizeHeader, () => `generated-${++counter}`);
}

function refusal(rules: string, minimumSizeHeader?: string): string {
  try {
    configuration(rules, minimumSizeHeader);
  } catch (error) {
    assert.ok(error instanceof LifecycleConfigurationError, String(error));
    return error.code;
  }
  assert.fail('the configuration was accepted');
}


describe('parsing a lifecycle configuration', () => {
  it('keeps every element and the filter form, and names rules given no ID', () => {
    const parsed = configuration([
      rule(`<ID>all</ID>${expireDays(3)}<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>`),
      `<Rule><Prefix>logs/</Prefix><Status>Disabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`,
      rule('<NoncurrentVersionExpiration><NoncurrentDays>4</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>',
        '<Filter><And><Prefix>a/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And></Filter>'),
      rule('<Expiration><Date>2099-11-10T00:00:00.000Z</Date></Expiration>', '<Filter><Tag><Key>t</Key><Value></Value></Tag></Filter>'),
      rule('<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>', '<Filter><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter>'),
    ].join(''), 'varies_by_storage_class');
    assert.equal(parsed.transitionDefaultMinimumObjectSize, 'varies_by_storage_class');
    const [all, legacy, and, tagged, marker] = parsed.rules;
    assert.deepEqual(all, {
      id: 'all', enabled: true, filterForm: 'empty', match: { prefix: '', tags: [] }, expiration: { days: 3, dateMs: undefined, expiredObjectDeleteMarker: undefined },
      transitions: [{ days: 1, dateMs: undefined, storageClass: 'GLACIER' }], noncurrentVersionExpiration: undefined, noncurrentVersionTransitions: [],
      abortIncompleteMultipartUpload: undefined,
    });
    assert.equal(legacy!.id, 'generated-1');
    assert.equal(legacy!.enabled, false);
    assert.equal(legacy!.filterForm, 'legacy-prefix');
    assert.deepEqual(legacy!.abortIncompleteMultipartUpload, { daysAfterInitiation: 2 });
    assert.deepEqual(and!.match, { prefix: 'a/', tags: [{ key: 'k', value: 'v' }], sizeGreaterThanBytes: 10, sizeLessThanBytes: undefined });
    assert.deepEqual(and!.noncurrentVersionExpiration, { noncurrentDays: 4, newerNoncurrentVersions: 2 });
    assert.equal(tagged!.expiration?.dateMs, Date.UTC(2099, 10, 10));
    assert.deepEqual(tagged!.match.tags, [{ key: 't', value: '' }]);
    assert.equal(marker!.filterForm, 'size-less-than');
    assert.equal(marker!.expiration?.expiredObjectDeleteMarker, true);
  });

  for (const { label, rules, code, minimumSizeHeader } of REFUSED_LIFECYCLE_CONFIGURATIONS) {
    it(`refuses ${label} with ${code}`, () => assert.equal(refusal(rules, minimumSizeHeader), code));
  }

  it('reports a shape problem before a problem of meaning anywhere in the document', () => {
    assert.equal(refusal(rule(expireDays(0)) + rule(expireDays('x'))), 'MalformedXML');
  });
});

describe('lifecycle decisions with a one-second day', () => {
  it('rounds start + days up to the next day boundary, as S3 rounds to midnight UTC', () => {
    assert.equal(dayBoundaryAtOrAfter(1500, DAY_MS), 2000);
    assert.equal(dayBoundaryAtOrAfter(2000, DAY_MS), 2000);
    assert.equal(dueAfterDays(10_300, 3, DAY_MS), 14_000);
    // S3's own example: created 2014-01-15 10:30 UTC, 3 days → 2014-01-19 00:00 UTC.
    assert.equal(dueAfterDays(Date.UTC(2014, 0, 15, 10, 30), 3, 86_400_000), Date.UTC(2014, 0, 19));
  });

  const lifecycle = configuration([
    rule(`<ID>logs</ID>${expireDays(2)}`, '<Filter><Prefix>logs/</Prefix></Filter>'),
    rule(`<ID>tmp-tag</ID>${expireDays(1)}`, '<Filter><Tag><Key>tmp</Key><Value>yes</Value></Tag></Filter>'),
    rule(`<ID>small</ID>${expireDays(5)}`, '<Filter><ObjectSizeLessThan>10</ObjectSizeLessThan></Filter>'),
    rule('<ID>archive</ID><Transition><Days>1</Days><StorageClass>GLACIER_IR</StorageClass></Transition><Transition><Days>3</Days><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>', '<Filter><Prefix>archive/</Prefix></Filter>'),
    rule(`<ID>off</ID>${expireDays(1)}`, '<Filter><Prefix>off/</Prefix></Filter>', 'Disabled'),
  ].join(''));
  const version = (key: string, sizeBytes: number, extra: { tags?: Array<{ key: string; value: string }>; storageClass?: string } = {}) =>
    ({ key, sizeBytes, lastModifiedMs: 10_300, storageClass: extra.storageClass ?? 'STANDARD', tags: extra.tags });

  it('expiration: the earliest Expiration among the enabled rules that name the object', () => {
    assert.deepEqual(expirationOf(lifecycle, version('logs/a', 100), DAY_MS), { atMs: 13_000, ruleId: 'logs' });
    assert.deepEqual(expirationOf(lifecycle, version('logs/a', 100, { tags: [{ key: 'tmp', value: 'yes' }] }), DAY_MS), { atMs: 12_000, ruleId: 'tmp-tag' });
    assert.deepEqual(expirationOf(lifecycle, version('other', 9), DAY_MS), { atMs: 16_000, ruleId: 'small' });
    assert.equal(expirationOf(lifecycle, version('other', 10), DAY_MS), undefined, 'size 10 is not less than 10');
    assert.equal(expirationOf(lifecycle, version('off/a', 100), DAY_MS), undefined, 'a disabled rule does nothing');
    assert.equal(expirationOf(lifecycle, version('logs-not/a', 100, { tags: [{ key: 'tmp', value: 'no' }] }), DAY_MS), undefined);
  });

  it('current versions: nothing before the due time, then expiry, or the coldest transition due', () => {
    assert.equal(decideCurrentVersion(lifecycle, version('logs/a', 100), 12_999, DAY_MS), undefined);
    assert.deepEqual(decideCurrentVersion(lifecycle, version('logs/a', 100), 13_000, DAY_MS), { action: 'expire', ruleId: 'logs' });
    const big = 200 * KIB;
    assert.equal(decideCurrentVersion(lifecycle, version('archive/a', big), 11_999, DAY_MS), undefined);
    assert.deepEqual(decideCurrentVersion(lifecycle, version('archive/a', big), 12_000, DAY_MS), { action: 'transition', storageClass: 'GLACIER_IR', ruleId: 'archive' });
    assert.deepEqual(decideCurrentVersion(lifecycle, version('archive/a', big), 14_000, DAY_MS), { action: 'transition', storageClass: 'DEEP_ARCHIVE', ruleId: 'archive' });
    assert.equal(decideCurrentVersion(lifecycle, version('archive/a', big, { storageClass: 'DEEP_ARCHIVE' }), 14_000, DAY_MS), undefined, 'never back up the waterfall');
    assert.equal(decideCurrentVersion(lifecycle, version('archive/a', 100 * KIB), 14_000, DAY_MS), undefined, 'under 128 KiB stays by default');
  });

  it('the 128 KiB floor: varies_by_storage_class lets small objects into GLACIER, a size filter overrides it', () => {
    const glacier = '<Transition><Days>0</Days><StorageClass>GLACIER</StorageClass></Transition>';
    const varies = configuration(rule(`<ID>g</ID>${glacier}`), 'varies_by_storage_class');
    assert.deepEqual(decideCurrentVersion(varies, version('a', 1), 11_000, DAY_MS), { action: 'transition', storageClass: 'GLACIER', ruleId: 'g' });
    const intelligent = configuration(rule('<ID>i</ID><Transition><Days>0</Days><StorageClass>INTELLIGENT_TIERING</StorageClass></Transition>'), 'varies_by_storage_class');
    assert.equal(decideCurrentVersion(intelligent, version('a', 1), 11_000, DAY_MS), undefined);
    const sized = configuration(rule(`<ID>s</ID>${glacier}`, '<Filter><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></Filter>'));
    assert.deepEqual(decideCurrentVersion(sized, version('a', 1), 11_000, DAY_MS), { action: 'transition', storageClass: 'GLACIER', ruleId: 's' });
  });

  it('noncurrent versions: counted from when they became noncurrent, the newest N kept', () => {
    const noncurrent = configuration(rule('<ID>n</ID><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>'));
    const old = { ...version('k', 5), isDeleteMarker: false };
    assert.equal(decideNoncurrentVersion(noncurrent, old, 20_500, 2, 21_999, DAY_MS), undefined, 'not a day noncurrent yet');
    assert.deepEqual(decideNoncurrentVersion(noncurrent, old, 20_500, 2, 22_000, DAY_MS), { action: 'expire', ruleId: 'n' });
    assert.equal(decideNoncurrentVersion(noncurrent, old, 20_500, 1, 99_000, DAY_MS), undefined, 'one of the two newest noncurrent versions');
  });

  it('a lone delete marker goes under ExpiredObjectDeleteMarker, or under Days once old enough', () => {
    const markers = configuration(rule('<ID>m</ID><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>', '<Filter><Prefix>m/</Prefix></Filter>')
      + rule(`<ID>d</ID>${expireDays(2)}`, '<Filter><Prefix>d/</Prefix></Filter>'));
    assert.equal(decideSoleDeleteMarker(markers, { key: 'm/a', lastModifiedMs: 10_300 }, 10_300, DAY_MS), 'm');
    assert.equal(decideSoleDeleteMarker(markers, { key: 'd/a', lastModifiedMs: 10_300 }, 12_999, DAY_MS), undefined);
    assert.equal(decideSoleDeleteMarker(markers, { key: 'd/a', lastModifiedMs: 10_300 }, 13_000, DAY_MS), 'd');
    assert.equal(decideSoleDeleteMarker(markers, { key: 'x/a', lastModifiedMs: 0 }, 99_000, DAY_MS), undefined);
  });

  it('uploads are aborted DaysAfterInitiation after they began, by prefix', () => {
    const uploads = configuration(rule('<ID>u</ID><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>', '<Filter><Prefix>up/</Prefix></Filter>'));
    assert.equal(decideUpload(uploads, { key: 'up/a', initiatedMs: 10_300 }, 11_999, DAY_MS), undefined);
    assert.equal(decideUpload(uploads, { key: 'up/a', initiatedMs: 10_300 }, 12_000, DAY_MS), 'u');
    assert.equal(decideUpload(uploads, { key: 'down/a', initiatedMs: 0 }, 99_000, DAY_MS), undefined);
  });

  it('scans only the fewest prefixes that cover the enabled rules acting on versions', () => {
    assert.deepEqual(coveringPrefixes(['logs/2024/', 'logs/', 'tmp', 'tmp/x', 'a']), ['a', 'logs/', 'tmp']);
    assert.deepEqual(coveringPrefixes(['x', '']), ['']);
    assert.deepEqual(versionScanPrefixes(lifecycle), ['']);
  });
});
