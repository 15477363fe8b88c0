/** Lets at most `capacity` holders in at once; the others wait in order. */
export class Semaphore {
  private available: number;
  private readonly waiting: (() => void)[] = [];

  constructor(capacity: number) {
    this.available = capacity;
  }

  /**
   * Resolves when a place is free, with the function that gives it back (call it once). With a
   * `signal` that aborts while the caller still waits, it leaves the queue and rejects with the
   * signal's reason.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.available > 0) this.available--;
    else await this.wait(signal);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.available++;
    };
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(admit);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason);
      };
      const admit = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.waiting.push(admit);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
