/**
 * Abort signals for model calls. An agent hands its run's one signal to every model call; the
 * `openai` SDK adds an abort listener to the signal it is given on every attempt and never removes
 * it, so after ten calls Node warns of a leak. Each call therefore gets a signal of its own that
 * follows the caller's, hooked by one listener that is removed when the call ends.
 */

/** A signal for one call, and the function that unhooks it from the caller's signal. */
export interface CallSignal {
  /** Aborts, with the same reason, when the caller's signal does, or when {@link abort} is called. */
  signal: AbortSignal;
  /** Ends this call only (a stalled stream, say); the caller's signal is untouched. */
  abort(reason: unknown): void;
  /** Removes the listener on the caller's signal. Call it once the call is over, however it ended. */
  release(): void;
}

/** A signal that follows `signal` until {@link CallSignal.release} is called. */
export function callSignal(signal: AbortSignal | undefined): CallSignal {
  const controller = new AbortController();
  const abort = (reason: unknown) => controller.abort(reason);
  if (signal === undefined) return { signal: controller.signal, abort, release: () => {} };
  if (signal.aborted) {
    controller.abort(signal.reason);
    return { signal: controller.signal, abort, release: () => {} };
  }
  const follow = () => controller.abort(signal.reason);
  signal.addEventListener("abort", follow, { once: true });
  return { signal: controller.signal, abort, release: () => signal.removeEventListener("abort", follow) };
}

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts: the SDK does
 * not notice an abort while it waits between retries, which can last as long as `Retry-After`.
 */
export function abortable<T>(promise: PromiseLike<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return Promise.resolve(promise);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
