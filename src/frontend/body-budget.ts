// A process-wide budget for request bodies in flight. Each request with a body reserves up to
// REQUEST_BODY_BUFFER_BYTES_MAX (what the storage writer may hold of one body at a time) before its
// handler runs; while the budget is spent, new bodies wait unread (node stops reading a socket whose
// request nobody reads: TCP backpressure), and one that waits too long is answered 503 SlowDown.
// Memory thus stays bounded however many uploads arrive at once (issue #13, defect 7).
import { metricText } from './prometheus.js';

export interface BodyBudgetStats {
  budgetBytes: number;
  reservedBytes: number;
  waiting: number;
  admitted: number;
  waited: number;
  slowDowns: number;
}

interface Waiter { bytes: number; grant: () => void }

export class BodyBudget {
  private reservedBytes = 0;
  private readonly waiters: Waiter[] = [];
  private readonly counters = { admitted: 0, waited: 0, slowDowns: 0 };

  constructor(private readonly budgetBytes: number, private readonly perRequestBytesMax: number, private readonly waitMsMax: number) {}

  /** What a body declaring `declaredBytes` reserves (0 for none: such requests never wait). */
  reservationFor(declaredBytes: number): number {
    return Math.min(declaredBytes, this.perRequestBytesMax);
  }

  /**
   * Resolves with a release function once `bytes` are reserved, or with undefined when the budget
   * stayed spent for waitMsMax (the caller answers SlowDown). Waiters are served in arrival order.
   */
  async acquire(bytes: number): Promise<(() => void) | undefined> {
    if (bytes === 0) return () => undefined;
    if (this.waiters.length === 0 && this.reservedBytes + bytes <= this.budgetBytes) return this.grant(bytes);
    this.counters.waited += 1;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        bytes,
        grant: () => {
          clearTimeout(timer);
          resolve(this.grant(bytes));
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        this.counters.slowDowns += 1;
        resolve(undefined);
      }, this.waitMsMax);
      this.waiters.push(waiter);
    });
  }

  private grant(bytes: number): () => void {
    this.reservedBytes += bytes;
    this.counters.admitted += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reservedBytes -= bytes;
      this.wakeWaiters();
    };
  }

  private wakeWaiters(): void {
    while (this.waiters.length > 0 && this.reservedBytes + this.waiters[0]!.bytes <= this.budgetBytes) {
      this.waiters.shift()!.grant();
    }
  }

  snapshot(): BodyBudgetStats {
    return { budgetBytes: this.budgetBytes, reservedBytes: this.reservedBytes, waiting: this.waiters.length, ...this.counters };
  }
}

/** The budget's figures in Prometheus text format. */
export function renderBodyBudgetMetrics(stats: BodyBudgetStats): string {
  return metricText('cairn_request_body_budget_bytes', 'gauge', 'Bytes of request bodies this process lets be in flight at once.', [['', stats.budgetBytes]])
    + metricText('cairn_request_body_reserved_bytes', 'gauge', 'Bytes of the budget reserved by requests being handled.', [['', stats.reservedBytes]])
    + metricText('cairn_request_body_waiting', 'gauge', 'Requests whose body waits for the budget, unread.', [['', stats.waiting]])
    + metricText('cairn_request_body_admitted_total', 'counter', 'Requests with a body admitted to their handler.', [['', stats.admitted]])
    + metricText('cairn_request_body_waited_total', 'counter', 'Requests that had to wait for the budget.', [['', stats.waited]])
    + metricText('cairn_request_body_slow_down_total', 'counter', 'Requests answered 503 SlowDown after waiting too long.', [['', stats.slowDowns]]);
}
