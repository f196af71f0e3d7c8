// Lifecycle configurations S3 refuses, each with the error code it answers: shared by the rules
// module's unit test and the HTTP test (which also checks that the stored configuration stays).

export type LifecycleRefusalCode = 'MalformedXML' | 'InvalidArgument' | 'InvalidRequest' | 'InvalidTag';

export interface RefusedConfiguration {
  label: string;
  /** The <Rule> elements of the document. */
  rules: string;
  code: LifecycleRefusalCode;
  /** x-amz-transition-default-minimum-object-size, when the case is about it. */
  minimumSizeHeader?: string;
}

export const rule = (body: string, filter = '<Filter></Filter>', status = 'Enabled') => `<Rule>${filter}<Status>${status}</Status>${body}</Rule>`;
export const expireDays = (days: number | string) => `<Expiration><Days>${days}</Days></Expiration>`;

export function lifecycleDocument(rules: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules}</LifecycleConfiguration>`;
}

export const REFUSED_LIFECYCLE_CONFIGURATIONS: RefusedConfiguration[] = [
  { label: 'no rule', rules: '', code: 'MalformedXML' },
  { label: '1,001 rules', rules: Array.from({ length: 1001 }, (_, index) => rule(`<ID>r${index}</ID>${expireDays(1)}`)).join(''), code: 'MalformedXML' },
  { label: 'a status other than Enabled or Disabled', rules: rule(expireDays(1), '<Filter></Filter>', 'enabled'), code: 'MalformedXML' },
  { label: 'both Filter and Prefix', rules: rule(expireDays(1), '<Filter></Filter><Prefix>a</Prefix>'), code: 'MalformedXML' },
  { label: 'neither Filter nor Prefix', rules: rule(expireDays(1), ''), code: 'MalformedXML' },
  { label: 'two predicates in a Filter without And', rules: rule(expireDays(1), '<Filter><Prefix>a</Prefix><ObjectSizeLessThan>9</ObjectSizeLessThan></Filter>'), code: 'MalformedXML' },
  { label: 'And with one predicate', rules: rule(expireDays(1), '<Filter><And><Prefix>a</Prefix></And></Filter>'), code: 'MalformedXML' },
  { label: 'an unknown element', rules: rule(`${expireDays(1)}<Colour>red</Colour>`), code: 'MalformedXML' },
  { label: 'two Expiration elements', rules: rule(`${expireDays(1)}${expireDays(2)}`), code: 'MalformedXML' },
  { label: 'Days that is not a number', rules: rule(expireDays('ten')), code: 'MalformedXML' },
  { label: 'Days and Date together', rules: rule('<Expiration><Days>1</Days><Date>2099-01-01T00:00:00Z</Date></Expiration>'), code: 'MalformedXML' },
  { label: 'ExpiredObjectDeleteMarker with Days', rules: rule('<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>'), code: 'MalformedXML' },
  { label: 'a date that is not ISO 8601', rules: rule('<Expiration><Date>next tuesday</Date></Expiration>'), code: 'MalformedXML' },
  { label: 'a transition to an unknown storage class', rules: rule('<Transition><Days>1</Days><StorageClass>COLD</StorageClass></Transition>'), code: 'MalformedXML' },
  { label: 'a transition with neither Days nor Date', rules: rule('<Transition><StorageClass>GLACIER</StorageClass></Transition>'), code: 'MalformedXML' },
  { label: 'Days 0 in Expiration', rules: rule(expireDays(0)), code: 'InvalidArgument' },
  { label: 'negative Days in Expiration', rules: rule(expireDays(-1)), code: 'InvalidArgument' },
  { label: 'a Date not at midnight UTC', rules: rule('<Expiration><Date>2099-01-01T12:00:00Z</Date></Expiration>'), code: 'InvalidArgument' },
  { label: 'an ID of 256 characters', rules: rule(`<ID>${'i'.repeat(256)}</ID>${expireDays(1)}`), code: 'InvalidArgument' },
  { label: 'the same ID twice', rules: rule(`<ID>same</ID>${expireDays(1)}`) + rule(`<ID>same</ID>${expireDays(2)}`), code: 'InvalidArgument' },
  { label: 'STANDARD_IA after 29 days', rules: rule('<Transition><Days>29</Days><StorageClass>STANDARD_IA</StorageClass></Transition>'), code: 'InvalidArgument' },
  { label: 'ONEZONE_IA noncurrent after 10 days', rules: rule('<NoncurrentVersionTransition><NoncurrentDays>10</NoncurrentDays><StorageClass>ONEZONE_IA</StorageClass></NoncurrentVersionTransition>'), code: 'InvalidArgument' },
  { label: 'Expiration no later than a Transition', rules: rule(`${expireDays(5)}<Transition><Days>5</Days><StorageClass>GLACIER</StorageClass></Transition>`), code: 'InvalidArgument' },
  { label: 'a colder class before a warmer one', rules: rule('<Transition><Days>40</Days><StorageClass>GLACIER</StorageClass></Transition><Transition><Days>60</Days><StorageClass>STANDARD_IA</StorageClass></Transition>'), code: 'InvalidArgument' },
  { label: 'GLACIER less than 30 days after STANDARD_IA', rules: rule('<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition><Transition><Days>45</Days><StorageClass>GLACIER</StorageClass></Transition>'), code: 'InvalidArgument' },
  { label: 'NoncurrentDays 0 in NoncurrentVersionExpiration', rules: rule('<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>'), code: 'InvalidArgument' },
  { label: 'NewerNoncurrentVersions 101', rules: rule('<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration>'), code: 'InvalidArgument' },
  { label: 'NewerNoncurrentVersions 0', rules: rule('<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>0</NewerNoncurrentVersions></NoncurrentVersionExpiration>'), code: 'InvalidArgument' },
  { label: 'DaysAfterInitiation 0', rules: rule('<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>'), code: 'InvalidArgument' },
  { label: 'ObjectSizeGreaterThan not below ObjectSizeLessThan', rules: rule(expireDays(1), '<Filter><And><ObjectSizeGreaterThan>9</ObjectSizeGreaterThan><ObjectSizeLessThan>9</ObjectSizeLessThan></And></Filter>'), code: 'InvalidArgument' },
  { label: 'an unknown transition minimum size setting', rules: rule(expireDays(1)), code: 'InvalidArgument', minimumSizeHeader: 'all_storage_classes_64K' },
  { label: 'a rule with no action', rules: rule(''), code: 'InvalidRequest' },
  { label: 'the same storage class twice', rules: rule('<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition><Transition><Days>2</Days><StorageClass>GLACIER</StorageClass></Transition>'), code: 'InvalidRequest' },
  { label: 'Date and Days transitions mixed', rules: rule('<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition><Transition><Date>2099-01-01T00:00:00Z</Date><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>'), code: 'InvalidRequest' },
  { label: 'ExpiredObjectDeleteMarker with a tag filter', rules: rule('<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>', '<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>'), code: 'InvalidRequest' },
  { label: 'AbortIncompleteMultipartUpload with a tag filter', rules: rule('<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>', '<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>'), code: 'InvalidRequest' },
  { label: 'NewerNoncurrentVersions with a rule-level Prefix', rules: rule('<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration>', '<Prefix>a</Prefix>'), code: 'InvalidRequest' },
  { label: 'the same tag key twice in And', rules: rule(expireDays(1), '<Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And></Filter>'), code: 'InvalidRequest' },
  { label: 'a tag key of 129 characters', rules: rule(expireDays(1), `<Filter><Tag><Key>${'k'.repeat(129)}</Key><Value>v</Value></Tag></Filter>`), code: 'InvalidTag' },
];
