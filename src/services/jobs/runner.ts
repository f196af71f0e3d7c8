// One runner for every background job (audit, heal, compaction, lifecycle, S3 Metadata export,
// upload sweeper, and the jobs later issues add). It owns what each job used to write for itself:
// the poll timer, single flight (never two passes of one job at once), a prompt stop that aborts
// the pass in flight and waits for it, and the pass bookkeeping. A job provides only when a pass is
// due (`next`) and the pass itself; what it shares with other processes (status files) it writes
// through status-writer.ts.
//
// Whether this process may run a job at all is the gate's answer, asked before every pass. Today
// the server decides once, at start, which process runs the singletons (server-command.ts); an
// engine that runs them through leases answers per pass instead.

/** Given to a pass: aborted when the runner stops, so the pass ends at its next check. */
export interface PassContext {
  signal: AbortSignal;
}

export interface JobSpec<Work> {
  /** Names the job in logs and in its state (`cairn_<name>_…` for its metrics). */
  name: string;
  /** Time between two looks for a due pass (and, with duringPass, between looks while one runs). */
  pollIntervalMs: number;
  /** Time before the first look; pollIntervalMs when absent. */
  firstPollMs?: number;
  /** Time from the end of a pass to the next look; pollIntervalMs when absent. */
  afterPassMs?(failed: boolean): number;
  /** Once, before the first look: settles what a previous process left behind; may resume a pass. */
  recover?(): Promise<Work | undefined>;
  /** At each look while no pass runs: the work of a pass to start now, if one is due. */
  next(): Promise<Work | undefined>;
  /**
   * At each look while a pass runs. A job that has it keeps being polled during its passes (heal
   * takes new requests then); one without it is next polled afterPassMs after its pass ends.
   */
  duringPass?(): Promise<void>;
  pass(work: Work, context: PassContext): Promise<void>;
  /** A pass or a look that threw: the job says what it logs (the runner keeps the error too). */
  onError(error: unknown, during: 'pass' | 'poll'): void;
}

/** May this process run this job now? */
export interface JobGate {
  mayRun(job: string): boolean | Promise<boolean>;
}

/** The gate of a process that runs every job it starts (the server starts singletons in one process only). */
export const RUN_WHAT_IS_STARTED: JobGate = { mayRun: () => true };

/** What the runner knows of its job in this process. */
export interface JobState {
  name: string;
  running: boolean;
  passesStarted: number;
  passesFailed: number;
  lastPassStartedAtMs?: number;
  lastPassFinishedAtMs?: number;
  lastError?: string;
}

export class JobRunner<Work> {
  private readonly abort = new AbortController();
  private readonly bookkeeping: JobState;
  private timer: NodeJS.Timeout | undefined;
  private looking: Promise<void> = Promise.resolve();
  private inFlight: Promise<void> | undefined;

  constructor(private readonly spec: JobSpec<Work>, private readonly gate: JobGate = RUN_WHAT_IS_STARTED) {
    this.bookkeeping = { name: spec.name, running: false, passesStarted: 0, passesFailed: 0 };
  }

  /** Starts the job: recovery first, then a look every pollIntervalMs. Returns at once. */
  start(): this {
    this.looking = (async () => {
      let resumed: Work | undefined;
      try {
        resumed = this.spec.recover === undefined ? undefined : await this.spec.recover();
      } catch (error) {
        this.spec.onError(error, 'poll');
      }
      if (resumed !== undefined && !this.stopping) {
        this.launch(resumed);
        if (this.spec.duringPass === undefined) return;
      }
      this.schedule(this.spec.firstPollMs ?? this.spec.pollIntervalMs);
    })();
    return this;
  }

  /** Looks for a due pass now rather than at the next poll (when no pass runs). */
  pollNow(): void {
    if (this.timer === undefined || this.inFlight !== undefined) return;
    clearTimeout(this.timer);
    this.schedule(0);
  }

  get state(): JobState {
    return { ...this.bookkeeping };
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  /** Starts no further pass, aborts the one in flight and waits for it to end. */
  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.looking;
    await this.inFlight;
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.looking = this.look();
    }, delayMs);
    // Background work never keeps a process alive on its own.
    this.timer.unref();
  }

  private async look(): Promise<void> {
    try {
      if (this.inFlight !== undefined) {
        await this.spec.duringPass?.();
      } else if (await this.gate.mayRun(this.spec.name)) {
        const work = await this.spec.next();
        if (work !== undefined && !this.stopping) {
          this.launch(work);
          // Without duringPass, the pass's end schedules the next look.
          if (this.spec.duringPass === undefined) return;
        }
      }
    } catch (error) {
      this.spec.onError(error, 'poll');
    }
    this.schedule(this.spec.pollIntervalMs);
  }

  private launch(work: Work): void {
    const state = this.bookkeeping;
    state.running = true;
    state.passesStarted += 1;
    state.lastPassStartedAtMs = Date.now();
    this.inFlight = (async () => {
      let failed = false;
      try {
        await this.spec.pass(work, { signal: this.abort.signal });
      } catch (error) {
        failed = true;
        state.passesFailed += 1;
        state.lastError = error instanceof Error ? error.message : String(error);
        this.spec.onError(error, 'pass');
      } finally {
        state.running = false;
        state.lastPassFinishedAtMs = Date.now();
        this.inFlight = undefined;
      }
      if (this.spec.duringPass === undefined) this.schedule(this.spec.afterPassMs?.(failed) ?? this.spec.pollIntervalMs);
    })();
  }
}

/** Starts a job: the usual way to get one running. */
export function startJob<Work>(spec: JobSpec<Work>, gate?: JobGate): JobRunner<Work> {
  return new JobRunner(spec, gate).start();
}
