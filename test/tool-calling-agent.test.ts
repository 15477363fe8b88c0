/**
 * The JSON tool-calling agent: native tool calls (scripted, and through OpenAIModel against a
 * local chat-completions server), the plain-text fallback, parallel calls, state, and bad calls.
 */
import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";

import type { ActionStep } from "../src/agents/memory-steps.js";
import { ToolCallingAgent } from "../src/agents/tool-calling-agent.js";
import { messageText, type ChatMessage, type ModelToolCall } from "../src/models/model.js";
import { OpenAIModel } from "../src/models/openai/openai-model.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { tool } from "../src/tools/tool.js";
import { startOpenAICompatibleServer, type ModelTestServer } from "./support/openai-compatible-server.js";

let running = 0;
let peak = 0;
const lookup = tool({
  name: "lookup",
  description: "Population of a city, in millions.",
  inputSchema: z.object({ city: z.string() }),
  outputSchema: z.number(),
  execute: async ({ city }) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((resolve) => setTimeout(resolve, 30));
    running--;
    const populations: Record<string, number> = { Paris: 2.1, Oslo: 0.7, Rome: 2.8 };
    if (!(city in populations)) throw new Error(`no data for '${city}'`);
    return populations[city]!;
  },
});
const fetchReport = tool({
  name: "fetch_report",
  description: "A long report.",
  inputSchema: z.object({}),
  execute: () => "report line\n".repeat(500),
});
const countLines = tool({
  name: "count_lines",
  description: "Counts lines in a text.",
  inputSchema: z.object({ text: z.string() }),
  execute: ({ text }) => text.split("\n").filter(Boolean).length,
});

function calls(...list: [string, Record<string, unknown> | string][]): ChatMessage {
  const toolCalls: ModelToolCall[] = list.map(([name, args], index) => ({ id: `call_${index}`, name, arguments: args }));
  return { role: "assistant", content: "", toolCalls };
}

function actions(steps: readonly { type: string }[]): ActionStep[] {
  return steps.filter((step): step is ActionStep => step.type === "action");
}

describe("ToolCallingAgent", () => {
  test("native calls run in parallel (bounded), results are observed, final_answer ends the run", async () => {
    peak = 0;
    const model = new ScriptedModel([
      calls(["lookup", { city: "Paris" }], ["lookup", { city: "Oslo" }], ["lookup", { city: "Rome" }]),
      calls(["final_answer", { answer: 5.6 }]),
    ]);
    const agent = new ToolCallingAgent({ model, tools: [lookup], maxParallelToolCalls: 2 });
    const result = await agent.run("Total population of Paris, Oslo and Rome?");
    expect(result).toMatchObject({ state: "success", output: 5.6 });
    expect(peak).toBe(2);
    const [first] = actions(result.steps);
    expect(first!.toolCalls.map((call) => call.result)).toEqual([2.1, 0.7, 2.8]);
    expect(first!.observations).toContain('lookup({"city":"Rome"}) → 2.8');
    const options = model.calls[0]!.options!;
    expect(options.toolChoice).toBe("required");
    expect(options.tools!.map((spec) => spec.name)).toEqual(["lookup", "final_answer"]);
    expect(messageText(model.calls[1]!.messages.at(-1)!.content)).toContain("2.8");
  });

  test("bad calls become observations the model can correct", async () => {
    const model = new ScriptedModel([
      calls(["no_such_tool", {}]),
      calls(["lookup", { town: "Paris" }]),
      calls(["lookup", "not json at all"]),
      calls(["lookup", { city: "Atlantis" }]),
      calls(["final_answer", { answer: "gave up politely" }]),
    ]);
    const agent = new ToolCallingAgent({ model, tools: [lookup] });
    const result = await agent.run("Population?");
    expect(result.output).toBe("gave up politely");
    const errors = actions(result.steps).map((step) => step.error?.message ?? "");
    expect(errors[0]).toMatch(/no tool named 'no_such_tool'/);
    expect(errors[1]).toMatch(/town|city/);
    expect(errors[2]).toMatch(/JSON object/);
    expect(errors[3]).toMatch(/no data for 'Atlantis'/);
    expect(messageText(model.calls[1]!.messages.at(-1)!.content)).toMatch(/no tool named/);
  });

  test("a large result is stored in state and used by name", async () => {
    const model = new ScriptedModel([calls(["fetch_report", {}]), calls(["count_lines", { text: "result_1_1" }]), calls(["final_answer", { answer: "done" }])]);
    const agent = new ToolCallingAgent({ model, tools: [fetchReport, countLines] });
    const result = await agent.run("How many lines does the report have?");
    const [first, second] = actions(result.steps);
    expect(first!.observations).toMatch(/stored as 'result_1_1'/);
    expect(first!.observations!.length).toBeLessThan(1000);
    expect(second!.toolCalls[0]!.result).toBe(500);
    expect(agent.state.has("result_1_1")).toBe(true);
  });

  test("without native tool calling, JSON calls in plain text are parsed", async () => {
    const model = new ScriptedModel([
      'Thought: look it up.\n{"name": "lookup", "arguments": {"city": "Oslo"}}',
      '```json\n{"name": "final_answer", "arguments": {"answer": 0.7}}\n```',
    ]);
    const agent = new ToolCallingAgent({ model, tools: [lookup], nativeToolCalling: false });
    const result = await agent.run("Population of Oslo?");
    expect(result.output).toBe(0.7);
    expect(model.calls[0]!.options!.tools).toBeUndefined();
    expect(agent.systemPrompt()).toContain("lookup");
  });

  test("a reply with no call is an error observation, and the loop goes on", async () => {
    const model = new ScriptedModel(["I believe it is 2.1 million.", calls(["final_answer", { answer: 2.1 }])]);
    const result = await new ToolCallingAgent({ model, tools: [lookup] }).run("Paris?");
    expect(result.output).toBe(2.1);
    expect(actions(result.steps)[0]!.error?.type).toBe("AgentParseError");
  });

  test("additionalArgs are stored by name", async () => {
    const model = new ScriptedModel([calls(["count_lines", { text: "notes" }]), calls(["final_answer", { answer: 3 }])]);
    const agent = new ToolCallingAgent({ model, tools: [countLines] });
    const result = await agent.run("Count the lines of the notes.", { additionalArgs: { notes: "a\nb\nc" } });
    expect(actions(result.steps)[0]!.toolCalls[0]!.result).toBe(3);
  });
});

describe("ToolCallingAgent with OpenAIModel against a local server", () => {
  let server: ModelTestServer;
  beforeAll(async () => {
    server = await startOpenAICompatibleServer();
  });
  afterAll(() => server.close());

  test("native tool calls travel the wire and back", async () => {
    server.enqueue(
      { kind: "reply", toolCalls: [{ id: "call_a", name: "lookup", arguments: '{"city": "Paris"}' }] },
      { kind: "reply", toolCalls: [{ id: "call_b", name: "final_answer", arguments: '{"answer": "2.1 million"}' }] },
    );
    const before = server.requests.length;
    const agent = new ToolCallingAgent({ model: new OpenAIModel({ modelId: "test-model", baseURL: server.baseURL }), tools: [lookup] });
    const result = await agent.run("Population of Paris?");
    expect(result.output).toBe("2.1 million");
    const body = server.requests[before]!.body as { tools: { function: { name: string } }[]; tool_choice: string };
    expect(body.tools.map((entry) => entry.function.name)).toEqual(["lookup", "final_answer"]);
    expect(body.tool_choice).toBe("required");
  });

  test("a 35-step run with the caller's signal leaves no listener on it and no MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      for (let step = 0; step < 35; step++) server.enqueue({ kind: "reply", toolCalls: [{ id: `call_${step}`, name: "count_lines", arguments: '{"text": "a\\nb"}' }] });
      server.enqueue({ kind: "reply", toolCalls: [{ id: "call_end", name: "final_answer", arguments: '{"answer": "done"}' }] });
      const controller = new AbortController();
      const agent = new ToolCallingAgent({ model: new OpenAIModel({ modelId: "test-model", baseURL: server.baseURL }), tools: [countLines], maxSteps: 40 });
      const result = await agent.run("Count, many times.", { signal: controller.signal });
      expect(result.output).toBe("done");
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });
});
