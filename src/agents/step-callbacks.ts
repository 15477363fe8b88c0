import type { MemoryStep } from "./memory-steps.js";

/** Called after a step is stored in memory, with the step and the agent that ran it. */
export type StepCallback<AGENT = unknown> = (step: MemoryStep, agent: AGENT) => void | Promise<void>;

/** Callbacks for every step (an array), or by step type. */
export type StepCallbacks = StepCallback[] | Partial<Record<MemoryStep["type"], StepCallback[]>>;

/** Runs the callbacks that apply to `step`, in order. */
export async function runStepCallbacks(callbacks: StepCallbacks | undefined, step: MemoryStep, agent: unknown): Promise<void> {
  if (callbacks === undefined) return;
  const applicable = Array.isArray(callbacks) ? callbacks : (callbacks[step.type] ?? []);
  for (const callback of applicable) await callback(step, agent);
}
