/**
 * python_interpreter for the ToolCallingAgent: scripted native tool calls run code in the agent's
 * sandbox (Pyodide, one for the file; and QuickJS as javascript_interpreter).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import type { ActionStep } from "../src/agents/memory-steps.js";
import { ToolCallingAgent } from "../src/agents/tool-calling-agent.js";
import { AgentConfigurationError } from "../src/errors.js";
import { PyodideExecutor } from "../src/executors/pyodide/pyodide-executor.js";
import type { ChatMessage } from "../src/models/model.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { toolFromJsonSchema } from "../src/tools/tool.js";

let sandbox: PyodideExecutor;
beforeAll(async () => {
  sandbox = new PyodideExecutor({ timeoutMs: 10_000 });
  await sandbox.start();
}, 60_000);
afterAll(async () => {
  await sandbox?.close();
  await PyodideExecutor.drainPool();
});

let callCount = 0;
function call(name: string, args: Record<string, unknown>): ChatMessage {
  return { role: "assistant", content: "", toolCalls: [{ id: `call_${++callCount}`, name, arguments: args }] };
}

function actions(steps: readonly { type: string }[]): ActionStep[] {
  return steps.filter((step): step is ActionStep => step.type === "action");
}

describe("python_interpreter", () => {
  test("runs the model's code in the sandbox; variables last between calls; errors are tool errors the model reads", async () => {
    const model = new ScriptedModel([
      call("python_interpreter", { code: "xs = [3, 1, 2]\nprint(sorted(xs))\nsum(xs) * 7" }),
      call("python_interpreter", { code: "xs.append(4)\nlen(xs) / 0" }),
      call("python_interpreter", { code: "len(xs) + offset" }),
      call("final_answer", { answer: "done" }),
    ]);
    const agent = new ToolCallingAgent({ model, executor: sandbox });
    const result = await agent.run("Play with numbers.", { additionalArgs: { offset: 100 } });
    const [first, second, third] = actions(result.steps);
    expect(first!.observations).toContain("[1, 2, 3]");
    expect(first!.observations).toContain("42");
    expect(second!.error?.type).toBe("ToolCallError");
    expect(second!.error?.message).toContain("ZeroDivisionError");
    // The append before the error stuck, and additionalArgs are variables in the session.
    expect(third!.observations).toContain("104");
    expect(result.output).toBe("done");
    expect(JSON.stringify(model.calls[2]!.messages)).toContain("ZeroDivisionError");
  });

  test("the tool is listed to the model with the imports it may use; a new run starts from a clean session", async () => {
    const model = new ScriptedModel([
      call("python_interpreter", { code: "leftover = 1" }),
      call("final_answer", { answer: "one" }),
      call("python_interpreter", { code: "'leftover' in dir()" }),
      call("final_answer", { answer: "two" }),
    ]);
    const agent = new ToolCallingAgent({ model, executor: sandbox });
    expect(agent.systemPrompt()).toContain("python_interpreter");
    expect(agent.tools.find((tool) => tool.name === "python_interpreter")?.description).toContain("statistics");
    const specs = model.calls;
    await agent.run("One.");
    const second = await agent.run("Two.");
    expect(specs[0]!.options?.tools?.map((tool) => tool.name)).toContain("python_interpreter");
    expect(actions(second.steps)[0]!.observations).toMatch(/snippet:\nfalse$/);
  });

  test("an agent without an executor has no interpreter; a tool of the same name is a configuration error", () => {
    const plain = new ToolCallingAgent({ model: new ScriptedModel([]) });
    expect(plain.tools.map((tool) => tool.name)).not.toContain("python_interpreter");
    const impostor = toolFromJsonSchema({ name: "python_interpreter", description: "", parameters: { type: "object", properties: {} }, execute: () => 0 });
    expect(() => new ToolCallingAgent({ model: new ScriptedModel([]), executor: sandbox, tools: [impostor] })).toThrow(AgentConfigurationError);
  });

  test("a JavaScript sandbox gives javascript_interpreter, created by the agent and closed with it", async () => {
    const agent = new ToolCallingAgent({
      model: new ScriptedModel([call("javascript_interpreter", { code: "var n = 6 * 7;\nconsole.log('n is', n);\nn" }), call("final_answer", { answer: "ok" })]),
      executor: "quickjs",
    });
    try {
      const result = await agent.run("Multiply.");
      const step = actions(result.steps)[0]!;
      expect(step.observations).toContain("n is 42");
      expect(step.toolCalls[0]!.name).toBe("javascript_interpreter");
    } finally {
      await agent.close();
    }
  });
});
