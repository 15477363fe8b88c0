/**
 * What a durable run is from outside: its states, its options, its result and the events a
 * watcher reads. Plain data, the same on every machine that reads the queue.
 */
import type { AgentEvent } from "../agents/events.js";
import type { RunState } from "../agents/run-result.js";
import type { TokenUsage } from "../models/model.js";

/**
 * Where a durable run is: waiting for a worker (`queued`, also after a worker stopped or a retry is
 * due), being worked on (`running`), parked until a person decides on a tool call
 * (`waiting-approval`, no worker held), or ended (`completed`, `failed`, `cancelled`).
 */
export type DurableRunState = "queued" | "running" | "waiting-approval" | "completed" | "failed" | "cancelled";

/** The states a run does not leave. */
export const FINAL_STATES: ReadonlySet<DurableRunState> = new Set(["completed", "failed", "cancelled"]);

/** What `enqueue` takes besides the task. */
export interface EnqueueOptions {
  /** Values the agent's code can use, named in the task (as in `agent.run`); must be JSON. */
  additionalArgs?: Record<string, unknown>;
  /** Overrides the worker's agent's maxSteps for this run. */
  maxSteps?: number;
  /**
   * Attempts in all when a run fails for a reason that may pass (the model cannot be reached, the
   * sandbox died); each retry resumes from the last finished step, after a growing wait. Default 3.
   */
  attempts?: number;
}

/** A tool call that waits for a person's decision. */
export interface PendingApproval {
  tool: string;
  args: Record<string, unknown>;
  stepNumber: number;
  /** Which call of its step it is (0-based): decisions are kept per call, so a replay is answered too. */
  callIndex: number;
}

/** How a run that completed ended. */
export interface DurableRunResult {
  /** The final answer. */
  output: unknown;
  /** The agent's own end state: `success`, or `max_steps_error` with the model's best answer. */
  agentState: RunState;
  /** Tokens of the whole run, every attempt's steps together. */
  tokenUsage: TokenUsage;
  /** Action steps the run took. */
  actionSteps: number;
}

/** What `status` and `result` tell about a run. */
export interface DurableRunStatus {
  runId: string;
  state: DurableRunState;
  task: string;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  /** Workers that have taken the run so far (a retry, a stalled worker's run picked up, a resume after approval). */
  attempts: number;
  /** Why the run failed, or why its last attempt did (while it waits for a retry). */
  error?: string;
  /** Set while the state is `waiting-approval`. */
  pendingApproval?: PendingApproval;
  /** Set when the state is `completed`. */
  result?: DurableRunResult;
}

/**
 * An entry of a run's event stream: the agent's own events (model deltas left out: the complete
 * reply follows each), and each change of the run's state.
 */
export type DurableRunEvent =
  | { type: "agent"; event: AgentEvent }
  | { type: "state"; state: DurableRunState; reason?: string; pendingApproval?: PendingApproval; result?: DurableRunResult; worker?: string };
