// What an index engine offers the fault watcher for FIS's index actions (cairn:index:pause and
// cairn:index:drop-connections). The PostgreSQL engine has it (postgres/fault-gate.ts); the embedded
// SQLite engine has no connections to drop nor a server to lose, so it answers none and the FIS API
// refuses index actions on it.

export interface IndexFaultControl {
  /** Until this time (ms since the epoch) every index call fails fast as unreachable; 0 ends a pause. */
  pauseUntil(untilMs: number): void;
  /** Breaks every open connection of this process's pool; answers how many. */
  dropConnections(): number;
}

/** The engine's fault control, if it has one. */
export function indexFaultControlOf(index: object): IndexFaultControl | undefined {
  const control = (index as { faultControl?: IndexFaultControl }).faultControl;
  return control;
}
