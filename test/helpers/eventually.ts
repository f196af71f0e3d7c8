// Polling for a condition in tests: the probe's first defined answer, or a clear timeout.
const POLL_INTERVAL_MS = 100;

/** `probe`'s first defined answer, polled every 100 ms until `withinMs` has passed. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, withinMs: number): Promise<T> {
  const deadlineMs = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
