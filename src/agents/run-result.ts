import type { TokenUsage } from "../models/model.js";
import type { MemoryStep } from "./memory-steps.js";

/**
 * How a run ended: with an answer, out of steps (the output is the model's best answer), or
 * stopped by `agent.interrupt()` after a step (no output; `run(task, { reset: false })` resumes).
 */
export type RunState = "success" | "max_steps_error" | "interrupted";

/** One call of a managed agent made during a run: what it was asked and how it went. */
export interface ManagedRun {
  /** The managed agent's name. */
  agent: string;
  task: string;
  /** How its run ended; `error` when it threw (its model could not be reached, say). */
  state: RunState | "error";
  /** Its answer, when it gave one. */
  output?: unknown;
  /** What its manager's code was told went wrong, when it did not succeed. */
  error?: string;
  /** Its memory of that run (the task first). */
  steps: MemoryStep[];
  /** Tokens it spent, its own managed agents included. */
  tokenUsage: TokenUsage;
  /** The calls it made to its own managed agents. */
  managedRuns: ManagedRun[];
}

/** What `agent.run()` returns. */
export interface RunResult {
  /** The final answer (after `max_steps_error`, the model's best answer; `null` when interrupted). */
  output: unknown;
  state: RunState;
  /** The steps of this run, in order (the task first). */
  steps: MemoryStep[];
  /** Tokens spent by this run, all steps together, managed agents' included. */
  tokenUsage: TokenUsage;
  durationMs: number;
  /** The managed agents this run called, in call order, with their memories (agents always set it). */
  managedRuns?: ManagedRun[];
}
