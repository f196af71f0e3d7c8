// Delivery: a background job (the job runner's) that drains each target's queue in the index, in
// queue order, a batch at a time. A batch's rows are removed only after the target acknowledged
// every message of it, so a target that is down, or a kill -9 of Cairn, loses nothing: the rows are
// still there and are sent again (at least once; only the batch in flight can arrive twice, with the
// same sequencer). Failures back off exponentially; after the configured number of attempts the head
// event is given up on and counted as a dead letter.
import type { EventTargetRecord, Index } from '../../index/types.js';
import { FailureLog } from '../../services/jobs/failure-log.js';
import { JobRunner } from '../../services/jobs/runner.js';
import type { MasterKeyring } from '../../services/encryption/master-keys.js';
import { openSettings } from '../../services/encryption/sealed-settings.js';
import { eventMessage, sequencerOf, type MessageContext } from './message.js';
import { openSender } from './senders/open.js';
import type { EventSender, OutgoingEvent } from './senders/sender.js';

/** Events read and sent at once per target (and so the most that can arrive twice after a crash). */
export const DELIVERY_BATCH_EVENTS_MAX = 100;
/** Batches per target per pass, so one busy target cannot hold the others' turn for long. */
const BATCHES_PER_PASS_MAX = 50;
const POLL_INTERVAL_MS = 100;
const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 30_000;
/** Default attempts at one event before it is a dead letter (at the backoff's maximum, more than three days). */
export const DELIVERY_ATTEMPTS_MAX_DEFAULT = 10_000;
/** Queue names of `events listen` streams: drained by their stream, never by this job. */
export const LISTENER_ID_PREFIX = 'listen:';

export interface DeliverySettings extends MessageContext {
  attemptsMax: number;
  /** Scales the backoff (tests shorten it). */
  backoffBaseMs?: number;
  log: (line: string) => void;
  /** Opens targets' sealed secrets. */
  keys?: MasterKeyring;
}

interface TargetState {
  sender?: EventSender;
  /** Failed attempts at the current head of the queue. */
  attempts: number;
  nextAttemptAtMs: number;
}

export class EventDelivery {
  private readonly states = new Map<string, TargetState>();
  private readonly runner: JobRunner<true>;

  constructor(private readonly index: Index, private readonly settings: DeliverySettings) {
    const failures = new FailureLog('events: delivery', settings.log);
    this.runner = new JobRunner<true>({
      name: 'events',
      pollIntervalMs: POLL_INTERVAL_MS,
      next: async () => true,
      pass: async (_work, context) => {
        await this.pass(context.signal);
        failures.succeeded();
      },
      // Every 100 ms while the index is away: the first failure, then a line a minute, then the recovery.
      onError: (error) => failures.failed(error),
    });
  }

  start(): this {
    this.runner.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    for (const state of this.states.values()) await state.sender?.close().catch(() => undefined);
  }

  private stateOf(name: string): TargetState {
    let state = this.states.get(name);
    if (state === undefined) {
      state = { attempts: 0, nextAttemptAtMs: 0 };
      this.states.set(name, state);
    }
    return state;
  }

  private async pass(signal: AbortSignal): Promise<void> {
    await this.index.expireEventListeners(Date.now());
    // s3 targets are replication destinations: their queues are the replicator's.
    const targets = (await this.index.listEventTargets()).filter((target) => target.kind !== 's3');
    await Promise.all(targets.map((target) => this.drain(target, signal)));
  }

  private async drain(target: EventTargetRecord, signal: AbortSignal): Promise<void> {
    const state = this.stateOf(target.name);
    for (let round = 0; round < BATCHES_PER_PASS_MAX && !signal.aborted && Date.now() >= state.nextAttemptAtMs; round++) {
      const queued = await this.index.readEventQueue(target.name, DELIVERY_BATCH_EVENTS_MAX);
      if (queued.length === 0) return;
      const batch: OutgoingEvent[] = [];
      for (const event of queued) {
        try {
          batch.push({ event, body: eventMessage(event, this.settings), messageId: `${sequencerOf(event)}:${event.configurationId}` });
        } catch (error) {
          this.settings.log(`events: ${target.name}: ${(error as Error).message}; counted as a dead letter`);
          await this.index.deadLetterEvent(target.name, event.id);
          break;
        }
      }
      if (batch.length === 0) continue;
      if (!(await this.sendBatch(target, state, batch))) return;
    }
  }

  /** True when the batch was acknowledged (and removed from the queue). */
  private async sendBatch(target: EventTargetRecord, state: TargetState, batch: OutgoingEvent[]): Promise<boolean> {
    try {
      state.sender ??= await openSender({ ...target, settings: openSettings(this.settings.keys, target.name, target.settings) });
      await state.sender.send(batch);
    } catch (error) {
      await this.failed(target, state, batch[0]!, error);
      return false;
    }
    await this.index.acknowledgeEvents(target.name, batch.map((item) => item.event.id));
    state.attempts = 0;
    return true;
  }

  private async failed(target: EventTargetRecord, state: TargetState, head: OutgoingEvent, error: unknown): Promise<void> {
    state.attempts += 1;
    await this.index.recordEventFailure(target.name);
    const sender = state.sender;
    state.sender = undefined;
    await sender?.close().catch(() => undefined);
    const base = this.settings.backoffBaseMs ?? BACKOFF_BASE_MS;
    const delayMs = Math.min(BACKOFF_MAX_MS, base * 2 ** Math.min(state.attempts - 1, 20));
    state.nextAttemptAtMs = Date.now() + delayMs;
    // Logged on the first failure and then at powers of two, so an outage of hours writes a few dozen lines.
    if ((state.attempts & (state.attempts - 1)) === 0) {
      this.settings.log(`events: ${target.name}: delivery failed (attempt ${state.attempts}): ${error instanceof Error ? error.message : String(error)}; retrying in ${delayMs} ms`);
    }
    if (state.attempts >= this.settings.attemptsMax) {
      this.settings.log(`events: ${target.name}: event ${head.messageId} given up after ${state.attempts} attempts (dead letter)`);
      await this.index.deadLetterEvent(target.name, head.event.id);
      state.attempts = 0;
      state.nextAttemptAtMs = 0;
    }
  }
}
