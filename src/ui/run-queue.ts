/**
 * The queue of durable runs as the web UI uses it: the part of `AgentQueue` (codeagent/jobs) it
 * calls, described by shape, so that the UI module loads without bullmq and users of
 * `codeagent/ui` without a queue need not install it.
 */
import type { DurableRunEvent, DurableRunState, DurableRunStatus } from "../jobs/durable-run.js";

/** What the web UI needs of a queue; an `AgentQueue` is one. */
export interface UiRunQueue {
  /** The queue's name, shown in the page (`AgentQueue` has it). */
  readonly name?: string;
  /** The newest runs, newest first. */
  list(options?: { limit?: number }): Promise<DurableRunStatus[]>;
  /** Where a run is now. */
  status(runId: string): Promise<DurableRunStatus>;
  /** A run's events from its start (or after the entry `after`), live until it has ended. */
  watch(runId: string, options?: { after?: string }): AsyncIterable<DurableRunEvent & { id: string }>;
  /** Decides on the tool call a run is parked on. */
  approve(runId: string, decision: { approved: boolean; reason?: string }): Promise<void>;
  /** Cancels a run; resolves to its state after the request. */
  cancel(runId: string): Promise<DurableRunState>;
}
