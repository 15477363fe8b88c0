import { describe, expect, test } from "vitest";

import { parseTextToolCalls } from "./parse-tool-calls.js";

describe("parseTextToolCalls", () => {
  test("a bare JSON call", () => {
    expect(parseTextToolCalls('{"name": "get_weather", "arguments": {"city": "Paris"}}')).toEqual([
      { id: "text_call_0", name: "get_weather", arguments: { city: "Paris" } },
    ]);
  });

  test("inside a fence, after a thought, with key variants", () => {
    const text = 'Thought: I need the weather.\n```json\n{"tool": "get_weather", "parameters": {"city": "Oslo"}}\n```';
    expect(parseTextToolCalls(text)).toMatchObject([{ name: "get_weather", arguments: { city: "Oslo" } }]);
    expect(parseTextToolCalls('Action: {"action": "final_answer", "action_input": {"answer": 3}}')).toMatchObject([
      { name: "final_answer", arguments: { answer: 3 } },
    ]);
  });

  test("a list of calls, and string-encoded arguments", () => {
    const calls = parseTextToolCalls('[{"name": "a", "arguments": "{\\"x\\": 1}"}, {"name": "b"}]');
    expect(calls).toMatchObject([{ name: "a", arguments: { x: 1 } }, { name: "b", arguments: {} }]);
  });

  test("braces inside strings do not confuse it; prose and broken JSON give nothing", () => {
    expect(parseTextToolCalls('{"name": "echo", "arguments": {"text": "a } b { c"}}')).toMatchObject([{ arguments: { text: "a } b { c" } }]);
    expect(parseTextToolCalls("I think the answer is 4.")).toEqual([]);
    expect(parseTextToolCalls('{"name": "x", "arguments": {')).toEqual([]);
    expect(parseTextToolCalls('{"city": "Paris"}')).toEqual([]);
  });
});
