// Server access logging's queue in the SQLite index (access-log-index.ts): one table of lines
// (schema version 3). Appends and removals run in the index's group commits, so many requests'
// lines share one WAL fsync.
import type Database from 'better-sqlite3';
import type { GroupCommitQueue } from '../group-commit.js';
import type { AccessLogIndex, NewAccessLogLine, QueuedAccessLogLine } from '../access-log-index.js';

/** The table of schema version 3. AUTOINCREMENT: a sequence is never reused. */
export const ACCESS_LOG_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS access_log_queue (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  destination TEXT NOT NULL,
  event_time_ms INTEGER NOT NULL,
  line TEXT NOT NULL
);
`;

interface LineRow { sequence: number; destination: string; event_time_ms: number; line: string }

export class AccessLogQueue implements AccessLogIndex {
  private readonly insert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly oldest: Database.Statement;
  private readonly span: Database.Statement;

  constructor(db: Database.Database, private readonly writes: GroupCommitQueue) {
    this.insert = db.prepare('INSERT INTO access_log_queue (destination, event_time_ms, line) VALUES (?, ?, ?)');
    this.remove = db.prepare('DELETE FROM access_log_queue WHERE sequence = ?');
    this.oldest = db.prepare('SELECT sequence, destination, event_time_ms, line FROM access_log_queue ORDER BY sequence LIMIT ?');
    // An upper bound of the row count from the primary key's two ends: O(1), unlike count(*).
    this.span = db.prepare('SELECT coalesce(max(sequence) - min(sequence) + 1, 0) AS lines FROM access_log_queue');
  }

  async readAccessLogQueue(limit: number): Promise<QueuedAccessLogLine[]> {
    return (this.oldest.all(limit) as LineRow[]).map((row) => ({
      sequence: row.sequence, destination: row.destination, eventTimeMs: row.event_time_ms, line: row.line,
    }));
  }

  appendAccessLogLines(lines: NewAccessLogLine[], queueLinesMax: number): Promise<number> {
    return this.writes.submit(() => {
      const queued = (this.span.get() as { lines: number }).lines;
      const room = Math.max(0, queueLinesMax - queued);
      const accepted = lines.slice(0, room);
      for (const line of accepted) this.insert.run(line.destination, line.eventTimeMs, line.line);
      return accepted.length;
    });
  }

  removeAccessLogLines(sequences: number[]): Promise<void> {
    return this.writes.submit(() => {
      for (const sequence of sequences) this.remove.run(sequence);
    });
  }
}
