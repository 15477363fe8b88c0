/**
 * Spaces calls to a service at least `intervalMs` apart, in the order they asked, across every
 * caller that shares the pacer: web_search's keyless providers block clients that search faster
 * than a person, and a model's `requestsPerMinute` keeps under a provider's rate limit.
 * A caller that gives up while waiting leaves the queue, so it costs the others nothing.
 */
interface Waiter {
  release(): void;
}

export class Pacer {
  /** When the last caller was let through. */
  private lastSent = Number.NEGATIVE_INFINITY;
  private readonly queue: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when the caller may send; rejects with the signal's reason if it aborts first. */
  wait(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        release: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
      this.schedule();
    });
  }

  /** Lets the first waiter through as soon as the interval since the last one has passed. */
  private schedule(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    const delay = this.lastSent + this.intervalMs - this.now();
    if (delay <= 0) {
      this.releaseNext();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.releaseNext();
    }, delay);
  }

  private releaseNext(): void {
    const waiter = this.queue.shift();
    if (waiter === undefined) return;
    this.lastSent = this.now();
    waiter.release();
    this.schedule();
  }
}
