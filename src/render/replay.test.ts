import { describe, expect, it } from "vitest";

import type { ActionStep, FinalAnswerStep, MemoryStep, PlanningStep, TaskStep } from "../agents/memory-steps.js";
import { logsFromObservations, replayEvents } from "./replay.js";
import { createTerminalRenderer } from "./terminal-renderer.js";

const task: TaskStep = { type: "task", task: "Average the forecast for Paris." };
const planning: PlanningStep = { type: "planning", plan: "1. Fetch.\n2. Average.", tokenUsage: { inputTokens: 100, outputTokens: 10 }, timing: { startedAt: 10_000, durationMs: 500 } };
const failing: ActionStep = {
  type: "action",
  stepNumber: 1,
  modelOutput: "<code>\ntemps = get_forecast('Paris')\nprint(temps)\n1 / 0\n</code>",
  codeAction: "temps = get_forecast('Paris')\nprint(temps)\n1 / 0",
  observations: "Execution logs:\n[21, 19, 23]\n",
  error: { type: "ZeroDivisionError", message: "division by zero" },
  toolCalls: [{ name: "get_forecast", arguments: { args: ["Paris"], kwargs: {} }, result: [21, 19, 23], durationMs: 300 }],
  tokenUsage: { inputTokens: 1_000, outputTokens: 40 },
  timing: { startedAt: 10_500, durationMs: 2_000 },
};
const answering: ActionStep = {
  type: "action",
  stepNumber: 2,
  modelOutput: "<code>\nfinal_answer(sum(temps) / 3)\n</code>",
  codeAction: "final_answer(sum(temps) / 3)",
  observations: "Execution logs:\n\nLast output from code snippet:\n21.0",
  toolCalls: [],
  tokenUsage: { inputTokens: 1_200, outputTokens: 20 },
  timing: { startedAt: 12_500, durationMs: 1_500 },
  isFinalAnswer: true,
  output: 21,
};
const answer: FinalAnswerStep = { type: "final-answer", output: 21 };
const memory: MemoryStep[] = [task, planning, failing, answering, answer];

describe("replayEvents", () => {
  it("rebuilds the events of a stored run in the order the loop emits them", () => {
    const events = replayEvents(memory, { modelId: "gpt-4o-mini" });
    expect(events.map((event) => event.type)).toEqual([
      "run-start",
      ...["step-start", "model-output", "plan", "step-finish"],
      ...["step-start", "model-output", "code", "tool-call", "tool-result", "logs", "error", "step-finish"],
      ...["step-start", "model-output", "code", "step-finish"],
      "final-answer",
      "run-finish",
    ]);
    expect(events[0]).toEqual({ type: "run-start", task: task.task, modelId: "gpt-4o-mini" });
    expect(events[1]).toEqual({ type: "step-start", stepNumber: 1, stepType: "planning" });
    expect(events).toContainEqual({ type: "code", stepNumber: 1, code: failing.codeAction, language: "python" });
    expect(events).toContainEqual({ type: "tool-result", stepNumber: 1, call: failing.toolCalls[0] });
    expect(events).toContainEqual({ type: "logs", stepNumber: 1, text: "[21, 19, 23]\n" });
    expect(events).toContainEqual({ type: "error", stepNumber: 1, error: failing.error });
    expect(events.at(-1)).toEqual({
      type: "run-finish",
      result: { output: 21, state: "success", steps: memory, tokenUsage: { inputTokens: 2_300, outputTokens: 70 }, durationMs: 4_000 },
    });
  });

  it("gives events the terminal renderer prints as it prints a live run", () => {
    let text = "";
    const renderer = createTerminalRenderer({ write: (chunk) => (text += chunk), spinner: false, now: () => 0 });
    for (const event of replayEvents(JSON.parse(JSON.stringify(memory)) as MemoryStep[])) renderer.render(event);
    renderer.close();
    expect(text).toContain("Task: Average the forecast for Paris.");
    expect(text).toContain("1. Fetch.");
    expect(text).toContain("1 │ temps = get_forecast('Paris')");
    expect(text).toContain("Execution logs:\n[21, 19, 23]\n");
    expect(text).toContain("✗ ZeroDivisionError: division by zero");
    expect(text).toContain("Step 1 · 1,000 in / 40 out tokens · 2.0s");
    expect(text).toMatch(/Final answer ─+\n│ 21\n/);
    expect(text).toContain("✔ success · 2 steps · 2,370 tokens (2,300 in / 70 out) · 4.0s");
  });

  it("starts a run per task and marks a run whose answer came after the last step as max_steps_error", () => {
    const unfinished: ActionStep = { ...failing, stepNumber: 3, timing: { startedAt: 20_000, durationMs: 100 } };
    const events = replayEvents([...memory, { type: "task", task: "And Lyon?" }, unfinished, { type: "final-answer", output: "unknown" }]);
    expect(events.filter((event) => event.type === "run-start")).toHaveLength(2);
    const last = events.at(-1);
    expect(last?.type === "run-finish" && last.result.state).toBe("max_steps_error");
    expect(last?.type === "run-finish" && last.result.steps.map((step) => step.type)).toEqual(["task", "action", "final-answer"]);
  });

  it("numbers a planning step like the action step after it", () => {
    const events = replayEvents([task, failing, planning, answering]);
    expect(events).toContainEqual({ type: "plan", stepNumber: 2, plan: planning.plan });
  });
});

describe("logsFromObservations", () => {
  it("takes the logs out of the observations the model saw", () => {
    expect(logsFromObservations("Execution logs:\nhello\nLast output from code snippet:\n42")).toBe("hello");
    expect(logsFromObservations("Last output from code snippet:\n42")).toBe("");
    expect(logsFromObservations("plain text\n")).toBe("plain text\n");
    expect(logsFromObservations(undefined)).toBe("");
  });
});
