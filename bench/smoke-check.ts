// The smoke test's one assertion (`--quick`): every planned cell ran and every request in it was
// answered 2xx. A Cairn target that failed to start fails it; one skipped because what it needs is
// not there (PostgreSQL not reachable) is reported and does not.
import type { CellResult } from './cells.js';
import type { TargetId } from './targets/target.js';

export interface SkippedTarget {
  id: TargetId;
  reason: string;
  /** Skipped for want of something outside Cairn (PostgreSQL not reachable), not a failure of it. */
  unavailable?: boolean;
}

export function failureCount(cell: CellResult): number {
  return Object.values(cell.non2xx).reduce((a, b) => a + b, 0) + Object.values(cell.transportErrors).reduce((a, b) => a + b, 0);
}

export function everyRequestAnswered2xx(cells: CellResult[], aborted: string[], skipped: SkippedTarget[], say: (line: string) => void): boolean {
  const failing = cells.filter((cell) => failureCount(cell) > 0 || cell.okOps === 0);
  const notStarted = skipped.filter((one) => one.id.startsWith('cairn') && one.unavailable !== true);
  for (const cell of failing) say(`SMOKE FAILURE: ${cell.targetLabel} ${cell.sizeLabel} ${cell.op}: ${cell.okOps} answered 2xx, ${failureCount(cell)} not`);
  for (const what of aborted) say(`SMOKE FAILURE: ${what} aborted`);
  for (const target of notStarted) say(`SMOKE FAILURE: ${target.id} did not start`);
  if (cells.length === 0) say('SMOKE FAILURE: no cell ran');
  return failing.length === 0 && aborted.length === 0 && cells.length > 0 && notStarted.length === 0;
}
