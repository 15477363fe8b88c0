/**
 * Spaces calls to a service at least `intervalMs` apart, in the order they asked, across every
 * tool instance that shares the pacer: DuckDuckGo blocks clients that search faster than a person.
 */
export class Pacer {
  private next = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when the caller may send; rejects with the signal's reason if it aborts first. */
  async wait(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const now = this.now();
    const at = Math.max(now, this.next);
    // The slot is taken now, so callers waiting together leave one interval between each.
    this.next = at + this.intervalMs;
    const delay = at - now;
    if (delay <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, delay);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
