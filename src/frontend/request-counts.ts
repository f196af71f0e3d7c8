// Request counts shared across the worker processes, for what watches the whole server (FIS stop
// conditions on the 5xx rate): each worker writes its running totals to <pid>.json in one
// directory under the data directory twice a second when they changed, and a reader sums the files.
// A worker's file goes when it stops, so a sum can drop: readers treat a drop as a fresh start.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const REQUEST_COUNTS_PUBLISH_INTERVAL_MS = 500;
const REQUEST_COUNTS_DIRECTORY_NAME = 'request-counts';
const COUNTS_FILE_PATTERN = /^\d{1,10}\.json$/;

export interface RequestCounts {
  requests: number;
  serverErrors: number;
}

export function requestCountsDirectoryOf(dataDirectory: string): string {
  return join(dataDirectory, REQUEST_COUNTS_DIRECTORY_NAME);
}

/** Writes this process's totals (read by `totals`) whenever they changed; stop() removes its file. */
export function publishRequestCounts(directory: string, totals: () => RequestCounts, log: (line: string) => void): { stop(): void } {
  const path = join(directory, `${process.pid}.json`);
  let written = '';
  const publish = (): void => {
    const text = JSON.stringify(totals());
    if (text === written) return;
    try {
      mkdirSync(directory, { recursive: true });
      writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
      written = text;
    } catch (error) {
      log(`request counts: writing ${path} failed: ${(error as Error).message}`);
    }
  };
  const timer = setInterval(publish, REQUEST_COUNTS_PUBLISH_INTERVAL_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      rmSync(path, { force: true });
    },
  };
}

/** The sum of every worker's published totals. */
export function readRequestCounts(directory: string): RequestCounts {
  const sum: RequestCounts = { requests: 0, serverErrors: 0 };
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return sum;
  }
  for (const name of names) {
    if (!COUNTS_FILE_PATTERN.test(name)) continue;
    try {
      const counts = JSON.parse(readFileSync(join(directory, name), 'utf8')) as Partial<RequestCounts>;
      sum.requests += Number(counts.requests) || 0;
      sum.serverErrors += Number(counts.serverErrors) || 0;
    } catch {
      // Removed meanwhile (its worker stopped): not counted.
    }
  }
  return sum;
}
