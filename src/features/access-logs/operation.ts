// The Operation field of a server access log record: REST.<HTTP method>.<resource type>, with
// the resource types S3 writes (OBJECT, BUCKET, UPLOADS, PART, LOGGING_STATUS, BUCKETPOLICY…).
import { subresourceOf } from '../../frontend/s3/endpoint.js';

/** Sub-resources S3 names differently in its log records; any other is its name upper-cased. */
const RESOURCE_TYPE_OF_SUBRESOURCE: Readonly<Record<string, string>> = {
  logging: 'LOGGING_STATUS', versions: 'BUCKETVERSIONS', policy: 'BUCKETPOLICY', delete: 'MULTI_OBJECT_DELETE',
  'object-lock': 'OBJECT_LOCK_CONFIGURATION', policyStatus: 'BUCKETPOLICYSTATUS', publicAccessBlock: 'PUBLIC_ACCESS_BLOCK',
  ownershipControls: 'OWNERSHIP_CONTROLS', 'legal-hold': 'LEGAL_HOLD', attributes: 'OBJECT_ATTRIBUTES',
};

export interface OperationFacts {
  method: string;
  key?: string;
  query: URLSearchParams;
  copying: boolean;
}

function resourceType(facts: OperationFacts): string {
  const { method, key, query, copying } = facts;
  if (key !== undefined && query.has('uploadId')) {
    if (method === 'PUT' && query.has('partNumber')) return 'PART';
    return 'UPLOAD';
  }
  const subresource = subresourceOf(query);
  // A part number on GET/HEAD of an object reads one part of it: still the object.
  if (subresource === undefined || subresource === 'partNumber') return key === undefined ? 'BUCKET' : 'OBJECT';
  if (subresource === 'tagging' && key !== undefined) return 'OBJECT_TAGGING';
  return RESOURCE_TYPE_OF_SUBRESOURCE[subresource] ?? subresource.toUpperCase().replaceAll('-', '_');
}

export function operationName(facts: OperationFacts): string {
  if (facts.method === 'OPTIONS') return 'REST.OPTIONS.PREFLIGHT';
  if (facts.copying && facts.method === 'PUT') return facts.query.has('uploadId') ? 'REST.COPY.PART' : 'REST.COPY.OBJECT';
  return `REST.${facts.method}.${resourceType(facts)}`;
}
