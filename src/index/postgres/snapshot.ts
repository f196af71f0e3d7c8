// Reads of several statements that must agree, on PostgreSQL: one pooled connection in a
// REPEATABLE READ READ ONLY transaction, so every statement sees the same committed moment.
import type pg from 'pg';
import { reachable, type Sql } from './connection.js';

/** Runs `read` in one snapshot; a lost database is IndexUnavailableError, a broken connection is dropped. */
export async function readInSnapshot<T>(pool: pg.Pool, read: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await reachable(() => pool.connect());
  let broken: Error | undefined;
  try {
    await reachable(() => client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'));
    const result = await reachable(() => read(client));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = error as Error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(broken);
  }
}
