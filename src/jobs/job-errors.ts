/** The errors of durable runs, each saying what to do. */
import { AgentError } from "../errors.js";

/** Redis could not be reached (or went away and did not come back in time). */
export class RedisUnavailableError extends AgentError {
  override readonly name = "RedisUnavailableError";
  /** The address, its password (if any) replaced by `***`: errors end up in logs. */
  readonly url: string;
  constructor(url: string, reason: string) {
    const shown = withoutPassword(url);
    super(`Cannot reach Redis at ${shown}: ${reason}. Start redis-server (or check the address given with --redis / { redis }) and try again.`);
    this.url = shown;
  }
}

/** `url` with its password (if any) replaced by `***`. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === "") return url;
    parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}

/** No run with this id is known to the queue (never enqueued, or its record expired). */
export class RunNotFoundError extends AgentError {
  override readonly name = "RunNotFoundError";
  constructor(
    readonly runId: string,
    queue: string,
  ) {
    super(`No run ${runId} in queue '${queue}'. Check the run id and the queue name; ended runs are kept for the queue's retention time (7 days by default).`);
  }
}

/** `approve` was called for a run that is not waiting for an approval. */
export class NoPendingApprovalError extends AgentError {
  override readonly name = "NoPendingApprovalError";
}

/** `result(runId, { wait })` gave up before the run ended. */
export class RunWaitTimeoutError extends AgentError {
  override readonly name = "RunWaitTimeoutError";
  constructor(
    readonly runId: string,
    readonly state: string,
    timeoutMs: number,
  ) {
    super(`Run ${runId} did not end within ${timeoutMs} ms (it is ${state}). Wait longer, or watch it with codeagent watch.`);
  }
}
