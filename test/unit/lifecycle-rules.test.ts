// The lifecycle rules module: S3's checks of a configuration (each refused document with its exact
// code), and the decisions the worker and x-amz-expiration are built on, with a one-second day.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseXmlBody } from '../../src/frontend/xml.js';
import { LifecycleConfigurationError, parseLifecycleConfiguration } from '../../src/services/lifecycle/parse.js';
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

const rule = (body: string, filter = '<Filter></Filter>', status = 'Enabled') => `<Rule>${filter}<Status>${status}</Status>${body}</Rule>`;
const expireDays = (days: number | string) => `<Expiration><Days>${days}</Days></Expiration>`;

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

  const refused: Array<[string, string, string] | [string, string, string, string]> = [
    ['no rule', '', 'MalformedXML'],
    ['1,001 rules', Array.from({ length: 1001 }, (_, index) => rule(`<ID>r${index}</ID>${expireDays(1)}`)).join(''), 'MalformedXML'],
    ['a status other than Enabled or Disabled', rule(expireDays(1), '<Filter></Filter>', 'enabled'), 'MalformedXML'],
    ['both Filter and Prefix', rule(expireDays(1), '<Filter></Filter><Prefix>a</Prefix>'), 'MalformedXML'],
    ['neither Filter nor Prefix', rule(expireDays(1), ''), 'MalformedXML'],
    ['two predicates in a Filter without And', rule(expireDays(1), '<Filter><Prefix>a</Prefix><ObjectSizeLessThan>9</ObjectSizeLessThan></Filter>'), 'MalformedXML'],
    ['And with one predicate', rule(expireDays(1), '<Filter><And><Prefix>a</Prefix></And></Filter>'), 'MalformedXML'],
    ['an unknown element', rule(`${expireDays(1)}<Colour>red</Colour>`), 'MalformedXML'],
    ['two Expiration elements', rule(`${expireDays(1)}${expireDays(2)}`), 'MalformedXML'],
    ['Days that is not a number', rule(expireDays('ten')), 'MalformedXML'],
    ['Days and Date together', rule('<Expiration><Days>1</Days><Date>2099-01-01T00:00:00Z</Date></Expiration>'), 'MalformedXML'],
    ['ExpiredObjectDeleteMarker with Days', rule('<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>'), 'MalformedXML'],
    ['a date that is not ISO 8601', rule('<Expiration><Date>next tuesday</Date></Expiration>'), 'MalformedXML'],
    ['a transition to an unknown storage class', rule('<Transition><Days>1</Days><StorageClass>COLD</StorageClass></Transition>'), 'MalformedXML'],
    ['a transition with neither Days nor Date', rule('<Transition><StorageClass>GLACIER</StorageClass></Transition>'), 'MalformedXML'],
    ['Days 0 in Expiration', rule(expireDays(0)), 'InvalidArgument'],
    ['negative Days in Expiration', rule(expireDays(-1)), 'InvalidArgument'],
    ['a Date not at midnight UTC', rule('<Expiration><Date>2099-01-01T12:00:00Z</Date></Expiration>'), 'InvalidArgument'],
    ['an ID of 256 characters', rule(`<ID>${'i'.repeat(256)}</ID>${expireDays(1)}`), 'InvalidArgument'],
    ['the same ID twice', rule(`<ID>same</ID>${expireDays(1)}`) + rule(`<ID>same</ID>${expireDays(2)}`), 'InvalidArgument'],
    ['STANDARD_IA after 29 days', rule('<Transition><Days>29</Days><StorageClass>STANDARD_IA</StorageClass></Transition>'), 'InvalidArgument'],
    ['ONEZONE_IA noncurrent after 10 days', rule('<NoncurrentVersionTransition><NoncurrentDays>10</NoncurrentDays><StorageClass>ONEZONE_IA</StorageClass></NoncurrentVersionTransition>'), 'InvalidArgument'],
    ['Expiration no later than a Transition', rule(`${expireDays(5)}<Transition><Days>5</Days><StorageClass>GLACIER</StorageClass></Transition>`), 'InvalidArgument'],
    ['a colder class before a warmer one', rule('<Transition><Days>40</Days><StorageClass>GLACIER</StorageClass></Transition><Transition><Days>60</Days><StorageClass>STANDARD_IA</StorageClass></Transition>'), 'InvalidArgument'],
    ['GLACIER less than 30 days after STANDARD_IA', rule('<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition><Transition><Days>45</Days><StorageClass>GLACIER</StorageClass></Transition>'), 'InvalidArgument'],
    ['NoncurrentDays 0 in NoncurrentVersionExpiration', rule('<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>'), 'InvalidArgument'],
    ['NewerNoncurrentVersions 101', rule('<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration>'), 'InvalidArgument'],
    ['NewerNoncurrentVersions 0', rule('<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>0</NewerNoncurrentVersions></NoncurrentVersionExpiration>'), 'InvalidArgument'],
    ['DaysAfterInitiation 0', rule('<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>'), 'InvalidArgument'],
    ['ObjectSizeGreaterThan not below ObjectSizeLessThan', rule(expireDays(1), '<Filter><And><ObjectSizeGreaterThan>9</ObjectSizeGreaterThan><ObjectSizeLessThan>9</ObjectSizeLessThan></And></Filter>'), 'InvalidArgument'],
    ['an unknown transition minimum size setting', rule(expireDays(1)), 'InvalidArgument', 'all_storage_classes_64K'],
    ['a rule with no action', rule(''), 'InvalidRequest'],
    ['the same storage class twice', rule('<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition><Transition><Days>2</Days><StorageClass>GLACIER</StorageClass></Transition>'), 'InvalidRequest'],
    ['Date and Days transitions mixed', rule('<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition><Transition><Date>2099-01-01T00:00:00Z</Date><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>'), 'InvalidRequest'],
    ['ExpiredObjectDeleteMarker with a tag filter', rule('<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>', '<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>'), 'InvalidRequest'],
    ['AbortIncompleteMultipartUpload with a tag filter', rule('<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>', '<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>'), 'InvalidRequest'],
    ['NewerNoncurrentVersions with a rule-level Prefix', rule('<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration>', '<Prefix>a</Prefix>'), 'InvalidRequest'],
    ['the same tag key twice in And', rule(expireDays(1), '<Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And></Filter>'), 'InvalidRequest'],
    ['a tag key of 129 characters', rule(expireDays(1), `<Filter><Tag><Key>${'k'.repeat(129)}</Key><Value>v</Value></Tag></Filter>`), 'InvalidTag'],
  ];
  for (const [label, rules, code, header] of refused) {
    it(`refuses ${label} with ${code}`, () => assert.equal(refusal(rules, header), code));
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
