// The one read-ahead loop under both readers: a standalone drive's records and an erasure set's
// stripes are read in order, each started up to `aheadCount` units before the caller reaches it,
// so the next unit is read while the caller sends this one (at most aheadCount + 1 in memory).

export class ReadAhead<Request, Result> {
  private readonly started: Array<Promise<Result>> = [];

  constructor(
    private readonly requests: readonly Request[],
    private readonly read: (request: Request) => Promise<Result>,
    private readonly aheadCount: number,
  ) {}

  get length(): number {
    return this.requests.length;
  }

  /** The result of request `index`; starts it and the next aheadCount ones if they are not yet. */
  take(index: number): Promise<Result> {
    for (let ahead = 0; ahead <= this.aheadCount; ahead++) this.start(index + ahead);
    const reading = this.started[index]!;
    delete this.started[index];
    return reading;
  }

  private start(index: number): void {
    if (index >= this.requests.length || this.started[index] !== undefined) return;
    const reading = this.read(this.requests[index]!);
    // A read the caller never reaches (it stopped early) must not become an unhandled rejection.
    reading.catch(() => undefined);
    this.started[index] = reading;
  }
}
