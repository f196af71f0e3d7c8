// Server access logging's queue in the PostgreSQL index: the twin of sqlite/access-log.ts. Appends
// and removals run in the index's group commits; sequences come from a transactional counter
// (sequences.ts), never reused. Every front end runs the delivery job, so the queue is read by one
// process at a time, the one holding its lease (queue-leases.ts): no batch is delivered twice at once.
import type { AccessLogIndex, NewAccessLogLine, QueuedAccessLogLine } from '../access-log-index.js';
import type { Sql } from './connection.js';
import type { PostgresWriteQueue } from './group-commit.js';
import type { QueueLeases } from './queue-leases.js';
import { takeSequenceValues } from './sequences.js';

/** Migration: the queue of lines (sqlite/access-log.ts's table). */
export const ACCESS_LOG_SCHEMA_SQL = `
CREATE TABLE access_log_queue (sequence bigint PRIMARY KEY, destination text NOT NULL, event_time_ms bigint NOT NULL, line text NOT NULL);
`;

const ACCESS_LOG_SQL = {
  insert: `INSERT INTO access_log_queue (sequence, destination, event_time_ms, line)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[])`,
  remove: 'DELETE FROM access_log_queue WHERE sequence = ANY($1::bigint[])',
  oldest: 'SELECT sequence, destination, event_time_ms, line FROM access_log_queue ORDER BY sequence LIMIT $1',
  // An upper bound of the row count from the primary key's two ends: O(1), unlike count(*).
  span: 'SELECT coalesce(max(sequence) - min(sequence) + 1, 0) AS lines FROM access_log_queue',
} as const;

interface LineRow { sequence: number; destination: string; event_time_ms: number; line: string }

export class PostgresAccessLogQueue implements AccessLogIndex {
  constructor(private readonly pool: Sql, private readonly writes: PostgresWriteQueue, private readonly leases: QueueLeases) {}

  /** The oldest lines, when this process holds (or now takes) the queue's lease; empty otherwise. */
  async readAccessLogQueue(limit: number): Promise<QueuedAccessLogLine[]> {
    if ((await this.pool.query(ACCESS_LOG_SQL.oldest, [1])).rows.length === 0) return [];
    if (!await this.leases.take('access-log', '')) return [];
    return (await this.pool.query<LineRow>(ACCESS_LOG_SQL.oldest, [limit])).rows.map((row) => ({
      sequence: row.sequence, destination: row.destination, eventTimeMs: row.event_time_ms, line: row.line,
    }));
  }

  appendAccessLogLines(lines: NewAccessLogLine[], queueLinesMax: number): Promise<number> {
    return this.writes.submit(async (sql) => {
      const queued = (await sql.query<{ lines: number }>(ACCESS_LOG_SQL.span)).rows[0]?.lines ?? 0;
      const accepted = lines.slice(0, Math.max(0, queueLinesMax - queued));
      if (accepted.length === 0) return 0;
      const first = await takeSequenceValues(sql, 'access_log', accepted.length);
      await sql.query(ACCESS_LOG_SQL.insert, [accepted.map((_, position) => first + position), accepted.map((line) => line.destination),
        accepted.map((line) => line.eventTimeMs), accepted.map((line) => line.line)]);
      return accepted.length;
    });
  }

  removeAccessLogLines(sequences: number[]): Promise<void> {
    return this.writes.submit(async (sql) => {
      await sql.query(ACCESS_LOG_SQL.remove, [sequences]);
    });
  }
}
