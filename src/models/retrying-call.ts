/**
 * Retries and per-attempt time limits for adapters whose SDK has none (Hugging Face's, a wrapped
 * AI SDK model): an attempt that fails in a way retrying can help (a rate limit, a server error, a
 * time-out, a broken connection) is tried again after exponential backoff with jitter, or after
 * the server's `Retry-After`; the caller's abort ends everything at once with its reason.
 */
import { ModelCallError } from "../errors.js";

/** How one failed attempt should be treated. */
export interface AttemptFailure {
  /** Whether another attempt could succeed. */
  retryable: boolean;
  /** How long the server asked to wait (`Retry-After`), in milliseconds. */
  retryAfterMs?: number;
}

/** Options of {@link callWithRetries}. */
export interface RetryingCallOptions {
  /** Attempts after the first. */
  maxRetries: number;
  /** The time limit of one attempt, in milliseconds. */
  timeoutMs: number;
  /** The caller's signal: aborting ends the call with its reason, also between attempts. */
  signal?: AbortSignal | undefined;
  /** Says whether an attempt's error is worth retrying. */
  classify(error: unknown): AttemptFailure;
  /** The error to throw when an attempt ran out of time (after the retries, if it keeps happening). */
  timeoutError(): ModelCallError;
}

/** The longest wait between attempts, whatever `Retry-After` says; longer waits are the caller's to decide. */
export const MAX_DELAY_MS = 60_000;
const BASE_DELAY_MS = 500;

/** HTTP statuses worth retrying later: time-outs, conflicts, rate limits, server errors (a model still loading answers 503). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The reason an attempt's own signal aborts with when its time is up. */
class AttemptTimedOut extends Error {}

/**
 * Runs `attempt` with a signal that aborts when the caller's does or when the attempt's time is
 * up; retries as `classify` allows. Throws the last error (the time-out error for a time-out),
 * or the caller's abort reason.
 */
export async function callWithRetries<T>(attempt: (signal: AbortSignal) => Promise<T>, options: RetryingCallOptions): Promise<T> {
  const { signal } = options;
  for (let attemptIndex = 0; ; attemptIndex++) {
    signal?.throwIfAborted();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AttemptTimedOut()), options.timeoutMs);
    const follow = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", follow, { once: true });
    let failure: AttemptFailure;
    let thrown: unknown;
    try {
      return await attempt(controller.signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const timedOut = controller.signal.reason instanceof AttemptTimedOut;
      thrown = timedOut ? options.timeoutError() : error;
      failure = timedOut ? { retryable: true } : options.classify(error);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", follow);
    }
    // A server that asks for a long wait (an hour's rate limit) is not waited for: the caller decides.
    const waitsTooLong = failure.retryAfterMs !== undefined && failure.retryAfterMs > MAX_DELAY_MS;
    if (!failure.retryable || waitsTooLong || attemptIndex >= options.maxRetries) throw thrown;
    await sleep(retryDelay(attemptIndex, failure.retryAfterMs), signal);
  }
}

/** `Retry-After` when the server gave one, else 0.5 s, 1 s, 2 s, ... with up to a quarter of jitter. */
export function retryDelay(attemptIndex: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) return Math.min(retryAfterMs, MAX_DELAY_MS);
  const backoff = Math.min(BASE_DELAY_MS * 2 ** attemptIndex, MAX_DELAY_MS);
  return backoff * (1 - Math.random() * 0.25);
}

/**
 * Milliseconds a `Retry-After` (seconds or an HTTP date) or `retry-after-ms` header asks for;
 * undefined when there is none or it cannot be read.
 */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined): number | undefined {
  const milliseconds = Number(headers?.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(milliseconds)) return milliseconds;
  const value = headers?.get("retry-after");
  if (value === null || value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, milliseconds);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A `fetch` for SDKs that retry by themselves (openai, @anthropic-ai/sdk) and would wait as long as
 * any `Retry-After` says, an hour included: an answer that asks for more than {@link MAX_DELAY_MS}
 * gets the `x-should-retry: false` header both SDKs obey, so the call fails at once with the
 * server's error, which the caller may retry later.
 */
export function refuseLongRetryWaits(fetchImpl?: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await (fetchImpl ?? globalThis.fetch)(input, init);
    const wait = retryAfterMs(response.headers);
    if (wait === undefined || wait <= MAX_DELAY_MS) return response;
    const headers = new Headers(response.headers);
    headers.set("x-should-retry", "false");
    headers.set(LONG_WAIT_HEADER, String(wait));
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}

/** Marks an answer {@link refuseLongRetryWaits} stopped the SDK from waiting for: the wait it asked, in ms. */
const LONG_WAIT_HEADER = "x-codeagent-long-retry-wait-ms";

/**
 * Whether an HTTP error from an SDK is worth retrying later, from its status and the headers the
 * server (or {@link refuseLongRetryWaits}) set, and the long wait the server asked for, if that
 * is why the SDK did not retry.
 */
export function retryAdvice(status: number, headers: { get(name: string): string | null } | undefined): { retryable: boolean; longWait: string } {
  const longWaitMs = Number(headers?.get(LONG_WAIT_HEADER) ?? Number.NaN);
  if (Number.isFinite(longWaitMs)) {
    const minutes = Math.ceil(longWaitMs / 60_000);
    return { retryable: true, longWait: `The server asks to wait ${minutes} minute${minutes === 1 ? "" : "s"} before trying again; that was not waited for. ` };
  }
  const shouldRetry = headers?.get("x-should-retry");
  return { retryable: shouldRetry === "true" ? true : shouldRetry === "false" ? false : isRetryableStatus(status), longWait: "" };
}
