// Which process owns a volume (docs/storage-format.md, "Compaction"): a pid alone is not enough,
// because pids are reused after a process dies. On Linux the process's start time (field 22 of
// /proc/PID/stat, in clock ticks since boot) tells a reused pid apart; elsewhere the pid is all we
// have, which errs on the side of "alive" (a volume is compacted later, never wrongly).

import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (Linux); null where it cannot be read. */
  startTicks: number | null;
}

/** Field 22 of /proc/PID/stat. The command name (field 2) may hold spaces and parentheses: skip past its last ')'. */
function startTicksOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name come field 3 (state) onwards: field 22 is at index 22 − 3.
    const ticks = Number(fields[22 - 3]);
    return Number.isSafeInteger(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

let current: ProcessIdentity | undefined;

export function currentProcessIdentity(): ProcessIdentity {
  current ??= { pid: process.pid, startTicks: startTicksOf(process.pid) };
  return current;
}

/** False only when the process is certainly gone (or its pid now belongs to another process). */
export function isProcessAlive(identity: ProcessIdentity): boolean {
  try {
    process.kill(identity.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: a process with that pid exists (another user's).
  }
  if (identity.startTicks === null) return true;
  const ticks = startTicksOf(identity.pid);
  return ticks === null || ticks === identity.startTicks;
}
