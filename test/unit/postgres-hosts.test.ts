// Multi-host PostgreSQL URLs (src/index/postgres/hosts.ts): the host list, default ports, IPv6
// brackets, target_session_attrs taken out of what pg sees, and malformed URLs refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePostgresUrl, POSTGRES_HOSTS_MAX } from '../../src/index/postgres/hosts.js';

describe('parsePostgresUrl', () => {
  it('reads a host list with ports, user, password, database and other parameters', () => {
    const target = parsePostgresUrl('postgres://cairn:s3cret@db1:5433,db2,[::1]:6000/objects?target_session_attrs=read-write&sslmode=disable');
    assert.deepEqual(target.hosts, [{ host: 'db1', port: 5433 }, { host: 'db2', port: 5432 }, { host: '::1', port: 6000 }]);
    assert.equal(target.sessionAttrs, 'read-write');
    assert.deepEqual(target.hostUrls, [
      'postgres://cairn:s3cret@db1:5433/objects?sslmode=disable',
      'postgres://cairn:s3cret@db2:5432/objects?sslmode=disable',
      'postgres://cairn:s3cret@[::1]:6000/objects?sslmode=disable',
    ]);
    assert.equal(target.config.connectionString, target.hostUrls[0]);
  });

  it('keeps a one-host URL as it is, with session attributes "any"', () => {
    const target = parsePostgresUrl('postgresql://root@127.0.0.1:5432/test');
    assert.deepEqual(target.hosts, [{ host: '127.0.0.1', port: 5432 }]);
    assert.equal(target.sessionAttrs, 'any');
    assert.equal(target.config.connectionString, 'postgresql://root@127.0.0.1:5432/test');
  });

  it('refuses unknown session attributes, empty hosts and too many hosts', () => {
    assert.throws(() => parsePostgresUrl('postgres://h1,h2/db?target_session_attrs=standby'), /target_session_attrs=standby is not supported/);
    assert.throws(() => parsePostgresUrl('postgres://h1,,h2/db'), /host "" is not host\[:port\]/);
    assert.throws(() => parsePostgresUrl('postgres://h1:notaport/db'), /is not host\[:port\]/);
    const many = Array.from({ length: POSTGRES_HOSTS_MAX + 1 }, (_, index) => `h${index}`).join(',');
    assert.throws(() => parsePostgresUrl(`postgres://${many}/db`), /more than 16 hosts/);
    assert.throws(() => parsePostgresUrl('mysql://h1/db'), /must be postgres:\/\//);
  });
});
