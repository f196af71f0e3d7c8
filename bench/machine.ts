// The machine a run was measured on, for the report and the JSON.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';

const BYTES_PER_GIB = 1024 ** 3;

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
}

function cpuModel(): string {
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    return /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): MachineInfo {
  return {
    cores: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round(totalmem() / BYTES_PER_GIB),
    kernel: release(),
    node: process.version,
  };
}

/** The 1, 5 and 15 minute load averages, as `uptime` prints them: other work on the machine during a run. */
export function loadAverageText(): string {
  return loadavg().map((value) => value.toFixed(2)).join(', ');
}
