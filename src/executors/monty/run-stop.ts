import type { StopReason } from "../run-errors.js";

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The reasons a run in the sandbox process must stop: its deadline, or the host's word (an abort,
 * or the host's own clock). Monty runs on this thread, so the run asks at each pause (`check()`
 * reads the clock and the flag); only while it waits for a tool does it need a timer, which
 * `race()` sets up for that wait alone.
 */
export class RunStop {
  reason: StopReason | undefined;
  private readonly deadline: number;
  private wake: (() => void) | undefined;

  /** `timeoutMs` null: no deadline. */
  constructor(timeoutMs: number | null) {
    this.deadline = timeoutMs === null ? Infinity : performance.now() + timeoutMs;
  }

  /** The host asked the run to stop. */
  stopNow(reason: StopReason): void {
    this.reason ??= reason;
    this.wake?.();
  }

  /** The reason to stop now, if there is one. */
  check(): StopReason | undefined {
    if (this.reason === undefined && performance.now() >= this.deadline) this.reason = "timeout";
    return this.reason;
  }

  /** Waits for `promise`, or for the run to stop, whichever comes first. */
  async race<T>(promise: Promise<T>): Promise<{ stopped: false; value: T } | { stopped: true }> {
    if (this.check() !== undefined) return { stopped: true };
    const stopped = new Promise<{ stopped: true }>((resolve) => {
      this.wake = () => resolve({ stopped: true });
    });
    const remaining = this.deadline - performance.now();
    // setTimeout fires at once for delays beyond 2^31 - 1 ms; such a deadline is never reached anyway.
    const timer = remaining <= MAX_TIMER_MS ? setTimeout(() => this.stopNow("timeout"), remaining) : undefined;
    try {
      return await Promise.race([promise.then((value) => ({ stopped: false as const, value })), stopped]);
    } finally {
      clearTimeout(timer);
      this.wake = undefined;
    }
  }
}
