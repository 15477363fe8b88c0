import { describe, expect, it } from "vitest";

import type { AgentEvent } from "../agents/events.js";
import type { ActionStep } from "../agents/memory-steps.js";
import { TERMINAL_ESCAPES, UNSAFE_FOR_TERMINAL } from "../../test/fixtures/cli/terminal-escapes.js";
import { createJsonLinesRenderer } from "./json-lines.js";

const step: ActionStep = {
  type: "action",
  stepNumber: 1,
  modelOutput: "<code>\nprint('a\\nb')\nfinal_answer(42)\n</code>",
  codeAction: "print('a\\nb')\nfinal_answer(42)",
  observations: "Execution logs:\na\nb\n",
  toolCalls: [{ name: "search", arguments: { args: ["x"], kwargs: { limit: 3 } }, result: ["r1"], durationMs: 5 }],
  tokenUsage: { inputTokens: 10, outputTokens: 5 },
  timing: { startedAt: 1_700_000_000_000, durationMs: 250 },
  isFinalAnswer: true,
  output: 42,
};

const events: AgentEvent[] = [
  { type: "run-start", task: "Say 42.\nThen stop.", modelId: "scripted" },
  { type: "step-start", stepNumber: 1, stepType: "action" },
  { type: "model-delta", stepNumber: 1, text: "<code>\n" },
  { type: "model-output", stepNumber: 1, text: step.modelOutput, tokenUsage: step.tokenUsage, durationMs: 200 },
  { type: "code", stepNumber: 1, code: step.codeAction!, language: "python" },
  { type: "tool-call", stepNumber: 1, name: "search", arguments: step.toolCalls[0]!.arguments },
  { type: "tool-result", stepNumber: 1, call: step.toolCalls[0]! },
  { type: "logs", stepNumber: 1, text: "a\nb\n" },
  { type: "error", stepNumber: 1, error: { type: "ValueError", message: 'bad "value"' } },
  { type: "step-finish", step },
  { type: "final-answer", output: { answer: 42, list: [1, null, "x"] } },
  { type: "run-finish", result: { output: 42, state: "success", steps: [{ type: "task", task: "Say 42." }, step], tokenUsage: { inputTokens: 10, outputTokens: 5 }, durationMs: 300 } },
];

function renderLines(input: AgentEvent[]): string[] {
  let text = "";
  const renderer = createJsonLinesRenderer((chunk) => (text += chunk));
  for (const event of input) renderer.render(event);
  renderer.close();
  expect(text.endsWith("\n")).toBe(true);
  return text.slice(0, -1).split("\n");
}

describe("createJsonLinesRenderer", () => {
  it("writes one JSON object per line that parses back to the event", () => {
    const lines = renderLines(events);
    expect(lines).toHaveLength(events.length);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(events);
  });

  it("writes bigints, cycles, maps, sets and errors without throwing", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const shared = { n: 1 };
    const output = { big: 12345678901234567890n, cyclic, pair: [shared, shared], map: new Map([["k", 1n]]), set: new Set([1, 2]), error: new TypeError("boom"), fn: () => 1 };
    const [line] = renderLines([{ type: "final-answer", output }]);
    expect(JSON.parse(line!)).toEqual({
      type: "final-answer",
      output: {
        big: "12345678901234567890",
        cyclic: { name: "loop", self: "[Circular]" },
        pair: [{ n: 1 }, { n: 1 }],
        map: [["k", "1"]],
        set: [1, 2],
        error: { name: "TypeError", message: "boom" },
        fn: "[Function fn]",
      },
    });
  });

  it("replaces an event whose value cannot be written at all by a line saying so", () => {
    const output = {
      toJSON() {
        throw new Error("nope");
      },
    };
    const [line] = renderLines([{ type: "final-answer", output }]);
    expect(JSON.parse(line!)).toEqual({ type: "final-answer", serializationError: "nope" });
  });
});

describe("JSON lines and terminal escapes", () => {
  it("writes every escape kind as JSON escapes that parse back to the same text", () => {
    const text = TERMINAL_ESCAPES.map((escape) => escape.text).join("|");
    let out = "";
    const renderer = createJsonLinesRenderer((line) => (out += line));
    renderer.render({ type: "logs", stepNumber: 1, text });
    expect(out).not.toMatch(UNSAFE_FOR_TERMINAL);
    expect(JSON.parse(out)).toEqual({ type: "logs", stepNumber: 1, text });
  });
});
