// Counters of the PostgreSQL index that must behave like SQLite's AUTOINCREMENT: never reused, and
// transactional. A PostgreSQL SEQUENCE is neither rolled back nor visible in a snapshot as of its
// moment, so a reader could see a high-water mark that covers rows it cannot see yet; a row in
// index_sequences is updated in the writing transaction (which already holds the write lock, so
// the row adds no contention), rolled back with it, and read consistently in a snapshot.

/** Migration: the counters (journal sequences, event queue ids, access log sequences). */
export const SEQUENCES_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS index_sequences (name text COLLATE "C" PRIMARY KEY, value bigint NOT NULL);
`;

/** What runs one statement (a transaction's client, inside a write). */
interface Statement {
  query<Row extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/** A CTE that takes the next `$count` values of counter `name`: `next.value` is the last one taken. */
export function nextValuesCte(name: string, countParameter: string): string {
  return `next AS (INSERT INTO index_sequences (name, value) VALUES ('${name}', ${countParameter})
    ON CONFLICT (name) DO UPDATE SET value = index_sequences.value + excluded.value RETURNING value)`;
}

/** Takes `count` values of counter `name` inside the caller's write; answers the first one. */
export async function takeSequenceValues(sql: Statement, name: string, count: number): Promise<number> {
  const { rows } = await sql.query<{ value: number }>(`WITH ${nextValuesCte(name, '$1::bigint')} SELECT value FROM next`, [count]);
  return rows[0]!.value - count + 1;
}

/** The largest value counter `name` ever gave (0: none), as of the caller's transaction or snapshot. */
export async function sequenceHighWater(sql: Statement, name: string): Promise<number> {
  const { rows } = await sql.query<{ value: number }>('SELECT value FROM index_sequences WHERE name = $1', [name]);
  return rows[0]?.value ?? 0;
}
