/** RunTally: what a run did so far, counted from its events, for runs that end without a result. */
import { describe, expect, test } from "vitest";

import type { ActionStep, PlanningStep } from "../src/agents/memory-steps.js";
import { RunTally } from "../src/cli/run-tally.js";

const timing = { startedAt: 0, durationMs: 1 };
const action = (stepNumber: number, tokenUsage?: ActionStep["tokenUsage"]): ActionStep => ({
  type: "action",
  stepNumber,
  modelOutput: "",
  toolCalls: [],
  timing,
  ...(tokenUsage ? { tokenUsage } : {}),
});

describe("RunTally", () => {
  test("counts action steps, adds every step's tokens, and times from run-start", () => {
    let now = 1_000;
    const tally = new RunTally(() => now);
    expect(tally.started).toBe(false);
    tally.observe({ type: "run-start", task: "t", modelId: "m" });
    const plan: PlanningStep = { type: "planning", plan: "p", tokenUsage: { inputTokens: 5, outputTokens: 1 }, timing };
    tally.observe({ type: "step-finish", step: plan });
    tally.observe({ type: "step-finish", step: action(1, { inputTokens: 100, outputTokens: 10 }) });
    tally.observe({ type: "step-finish", step: action(2) });
    now = 3_500;
    expect(tally.started).toBe(true);
    expect(tally.summary()).toEqual({ steps: 2, tokenUsage: { inputTokens: 105, outputTokens: 11 }, durationMs: 2_500 });
  });

  test("the sum is estimated when any step's count was", () => {
    const tally = new RunTally(() => 0);
    tally.observe({ type: "run-start", task: "t", modelId: "m" });
    tally.observe({ type: "step-finish", step: action(1, { inputTokens: 100, outputTokens: 10 }) });
    tally.observe({ type: "step-finish", step: action(2, { inputTokens: 50, outputTokens: 5, estimated: true }) });
    expect(tally.summary().tokenUsage).toEqual({ inputTokens: 150, outputTokens: 15, estimated: true });
  });
});
