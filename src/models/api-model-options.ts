/**
 * What every adapter that calls a provider's API takes besides its own options, and the pieces of
 * it they share: how many calls may start per minute.
 */
import { AgentConfigurationError } from "../errors.js";
import { Pacer } from "../pacer.js";

/** Options of every adapter that calls a provider over the network. */
export interface ApiModelOptions {
  /** How long one attempt may wait for the server to start answering, in milliseconds; a timed-out attempt is retried. */
  timeoutMs?: number;
  /** Retries after a rate limit (honouring `Retry-After`), a server error, a timeout or a failed connection. */
  maxRetries?: number;
  /**
   * At most this many calls start in a minute, evenly spaced (120 → one every 500 ms); calls
   * beyond wait their turn, in order. Use it to stay under a provider's rate limit. Default: no limit.
   */
  requestsPerMinute?: number;
  /** The model's context window in tokens, where neither the provider nor codeagent's table knows it. */
  contextWindow?: number;
}

/** The pacer that keeps calls under `requestsPerMinute`, or undefined when there is no limit. */
export function requestPacer(requestsPerMinute: number | undefined): Pacer | undefined {
  if (requestsPerMinute === undefined) return undefined;
  if (!Number.isFinite(requestsPerMinute) || requestsPerMinute <= 0) {
    throw new AgentConfigurationError(`requestsPerMinute must be a positive number, not ${requestsPerMinute}.`);
  }
  return new Pacer(60_000 / requestsPerMinute);
}
