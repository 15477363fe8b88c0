import { AgentError } from "../../errors.js";

/** Why a run was stopped from outside its code. */
export type StopReason = "timeout" | "abort";

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The reasons a run must stop: its deadline, or an abort. Monty runs on this thread, so the run
 * asks at each pause (`check()` reads the clock and the signals); only while it waits for a tool
 * does it need a timer and abort listeners, which `race()` sets up for that wait alone.
 */
export class RunStop {
  reason: StopReason | undefined;
  private readonly deadline: number;
  private controller: AbortController | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly signals: readonly AbortSignal[],
  ) {
    this.deadline = performance.now() + timeoutMs;
  }

  /** Aborted when the run stops: tools receive it as their `signal`. */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.reason !== undefined) this.abortTools();
    return this.controller.signal;
  }

  /** The reason to stop now, if there is one. */
  check(): StopReason | undefined {
    if (this.reason === undefined) {
      if (this.signals.some((signal) => signal.aborted)) this.trigger("abort");
      else if (performance.now() >= this.deadline) this.trigger("timeout");
    }
    return this.reason;
  }

  /** Waits for `promise`, or for the run to stop, whichever comes first. */
  async race<T>(promise: Promise<T>): Promise<{ stopped: false; value: T } | { stopped: true }> {
    if (this.check() !== undefined) return { stopped: true };
    let wake!: () => void;
    const stopped = new Promise<{ stopped: true }>((resolve) => {
      wake = () => resolve({ stopped: true });
    });
    const onAbort = () => {
      this.trigger("abort");
      wake();
    };
    const remaining = this.deadline - performance.now();
    // setTimeout fires at once for delays beyond 2^31 - 1 ms; such a deadline is never reached anyway.
    const timer =
      remaining <= MAX_TIMER_MS
        ? setTimeout(() => {
            this.trigger("timeout");
            wake();
          }, remaining)
        : undefined;
    for (const signal of this.signals) signal.addEventListener("abort", onAbort, { once: true });
    try {
      return await Promise.race([promise.then((value) => ({ stopped: false as const, value })), stopped]);
    } finally {
      clearTimeout(timer);
      for (const signal of this.signals) signal.removeEventListener("abort", onAbort);
    }
  }

  private trigger(reason: StopReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.abortTools();
  }

  private abortTools(): void {
    if (this.controller === undefined || this.controller.signal.aborted) return;
    this.controller.abort(new AgentError(this.reason === "timeout" ? `The run timed out after ${this.timeoutMs} ms.` : "The run was aborted."));
  }
}
