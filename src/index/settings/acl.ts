// The check of a stored ACL's shape (a bucket's 'acl' setting, an object version's acl_json column),
// so an ACL the index hands out is the StoredAcl it claims to be.
import type { StoredAcl } from '../records.js';
import { array, oneOf, record, string } from './shape.js';

const PERMISSIONS = ['FULL_CONTROL', 'READ', 'WRITE', 'READ_ACP', 'WRITE_ACP'] as const;
const GRANTEE_TYPES = ['CanonicalUser', 'Group'] as const;

export function parseAclSetting(value: unknown): StoredAcl {
  const acl = record(value, '');
  string(acl['ownerId'], 'ownerId');
  array(acl['grants'], 'grants').forEach((grant, position) => {
    const path = `grants[${position}]`;
    const fields = record(grant, path);
    oneOf(fields['permission'], PERMISSIONS, `${path}.permission`);
    const grantee = record(fields['grantee'], `${path}.grantee`);
    const type = oneOf(grantee['type'], GRANTEE_TYPES, `${path}.grantee.type`);
    string(type === 'CanonicalUser' ? grantee['id'] : grantee['uri'], `${path}.grantee.${type === 'CanonicalUser' ? 'id' : 'uri'}`);
  });
  return value as StoredAcl;
}
