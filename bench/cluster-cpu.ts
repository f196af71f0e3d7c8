// CPU time of the cluster's processes, from /proc: every process of each front end's and each drive
// server's process group, and the PostgreSQL backends connected to the bench's database (found in
// pg_stat_activity; on a remote PostgreSQL they are not on this machine and count 0). Unlike ops/s,
// CPU per request barely moves when other jobs share the machine, so it is the cluster's overhead
// in a figure that a loaded machine does not hide. PostgreSQL's shared processes (WAL writer,
// checkpointer) serve every database on the server and are left out.
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

/** USER_HZ: the unit of utime and stime in /proc/PID/stat on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ClusterCpuSeconds {
  frontEnds: number;
  driveServers: number;
  postgres: number;
}

interface ProcessStat {
  pid: number;
  groupId: number;
  cpuSeconds: number;
}

function processStats(): ProcessStat[] {
  const stats: ProcessStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state, ppid, pgrp, …, utime (14th), stime (15th).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.push({ pid: Number(entry), groupId: Number(fields[2]), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND });
    } catch { /* the process ended meanwhile */ }
  }
  return stats;
}

/** The process ids of the PostgreSQL backends connected to `databaseUrl`'s database. */
export async function postgresBackendPids(databaseUrl: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const result = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    return result.rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

/** Every process's CPU so far; taken before a phase, then `cpuSecondsSince` after it. */
export function cpuSnapshot(): Map<number, number> {
  return new Map(processStats().map((stat) => [stat.pid, stat.cpuSeconds]));
}

/**
 * CPU used since `before` by each kind of cluster process. A process born during the phase counts
 * from 0; one that ended during it is lost (front ends and drive servers keep theirs; PostgreSQL's
 * pool keeps its connections open).
 */
export function cpuSecondsSince(before: Map<number, number>, frontEndGroups: number[], driveServerGroups: number[], postgresPids: number[]): ClusterCpuSeconds {
  const totals: ClusterCpuSeconds = { frontEnds: 0, driveServers: 0, postgres: 0 };
  for (const stat of processStats()) {
    const used = stat.cpuSeconds - (before.get(stat.pid) ?? 0);
    if (frontEndGroups.includes(stat.groupId)) totals.frontEnds += used;
    else if (driveServerGroups.includes(stat.groupId)) totals.driveServers += used;
    else if (postgresPids.includes(stat.pid)) totals.postgres += used;
  }
  return totals;
}
