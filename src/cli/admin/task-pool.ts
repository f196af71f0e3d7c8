// At most N tasks in flight: submit() waits for a free slot, so whoever feeds the pool (a listing)
// is held back and memory stays bounded by N, whatever the number of tasks.

export class TaskPool {
  private readonly running = new Set<Promise<void>>();

  /** `onError` receives a task's rejection (tasks should handle their own errors; this is the backstop). */
  constructor(private readonly concurrency: number, private readonly onError: (error: unknown) => void) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`TaskPool concurrency ${concurrency}: expected a positive integer`);
  }

  async submit(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.concurrency) await Promise.race(this.running);
    const running: Promise<void> = task().catch(this.onError).finally(() => this.running.delete(running));
    this.running.add(running);
  }

  /** Resolves once every submitted task has finished. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
