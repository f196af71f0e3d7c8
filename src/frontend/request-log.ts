// The live request log of this process: the last REQUEST_LOG_ENTRIES_MAX requests answered (time,
// surface, method, path, status, duration, request id), kept in a ring so memory never grows, read by
// sequence number so a poller gets each entry once. The path is kept without its query (a presigned
// URL's signature never enters the log) and cut to a named length.

export const REQUEST_LOG_ENTRIES_MAX = 200;
export const REQUEST_LOG_PATH_CHARS_MAX = 256;

export interface RequestLogEntry {
  sequence: number;
  timeMs: number;
  surface: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  requestId?: string;
}

export class RecentRequests {
  private readonly entries: RequestLogEntry[] = [];
  private nextSequence = 1;

  add(entry: Omit<RequestLogEntry, 'sequence' | 'path'> & { url: string }): void {
    const { url, ...rest } = entry;
    const question = url.indexOf('?');
    const path = (question < 0 ? url : url.slice(0, question)).slice(0, REQUEST_LOG_PATH_CHARS_MAX);
    this.entries.push({ sequence: this.nextSequence++, path, ...rest });
    if (this.entries.length > REQUEST_LOG_ENTRIES_MAX) this.entries.shift();
  }

  /** The entries after `afterSequence` (all kept ones for 0), oldest first. */
  since(afterSequence: number): RequestLogEntry[] {
    return this.entries.filter((entry) => entry.sequence > afterSequence);
  }
}
