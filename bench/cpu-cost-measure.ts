// CPU time of a server's whole process group from /proc: what cpu-cost.ts and ab.ts charge
// to each operation (user + system, every thread of every process in the group).
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds used so far by every process in the group `groupId` (fields 14 and 15 of /proc/PID/stat);
 * `mainThreads`: only each process's main thread (its event loop: /proc/PID/task/PID/stat), without
 * the libuv pool, V8's helpers and worker threads.
 */
export function groupCpuSeconds(groupId: number, options: { mainThreads?: boolean } = {}): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fieldsOf = (path: string) => {
        const stat = readFileSync(path, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      };
      const fields = fieldsOf(`/proc/${entry}/stat`);
      if (Number(fields[2]) !== groupId) continue;
      const counted = options.mainThreads === true ? fieldsOf(`/proc/${entry}/task/${entry}/stat`) : fields;
      ticks += Number(counted[11]) + Number(counted[12]);
    } catch { /* the process ended meanwhile */ }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}
