import type { TokenUsage } from "../models/model.js";
import type { MemoryStep } from "./memory-steps.js";

/** How a run ended. */
export type RunState = "success" | "max_steps_error";

/** What `agent.run()` returns. */
export interface RunResult {
  /** The final answer (or, after `max_steps_error`, the model's best answer). */
  output: unknown;
  state: RunState;
  /** The steps of this run, in order (the task first). */
  steps: MemoryStep[];
  /** Tokens spent by this run, all steps together. */
  tokenUsage: TokenUsage;
  durationMs: number;
}
