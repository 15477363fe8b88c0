/**
 * Managed agents in the QuickJS sandbox: a manager's JavaScript calls two agents like functions,
 * one answers and one runs out of steps (an error the code catches); their events nest under the
 * calls, their tokens add up, their memories come back with the result.
 */
import { describe, expect, test } from "vitest";
import { z } from "zod";

import { CodeAgent } from "../src/agents/code-agent.js";
import type { AgentEvent } from "../src/agents/events.js";
import { stepsTokenUsage, type MemoryStep } from "../src/agents/memory-steps.js";
import { ToolCallingAgent } from "../src/agents/tool-calling-agent.js";
import { AgentConfigurationError } from "../src/errors.js";
import { addTokenUsage } from "../src/models/model.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { tool } from "../src/tools/tool.js";

const capitals = tool({
  name: "capital_of",
  description: "The capital city of a country.",
  inputSchema: z.object({ country: z.string() }),
  execute: ({ country }) => ({ France: "Paris", Italy: "Rome" })[country] ?? "unknown",
});

function team() {
  const researcher = new CodeAgent({
    model: new ScriptedModel(['<code>\nconst city = capital_of({ country: "France" });\nfinal_answer(`${city}, ${hint}`);\n</code>']),
    executor: "quickjs",
    tools: [capitals],
    name: "researcher",
    description: "Looks up facts about countries.",
  });
  // One step, spent on code that does not parse; then its best answer after the steps ran out.
  const flaky = new CodeAgent({
    model: new ScriptedModel(["<code>\nconst x = ;\n</code>", "I could not work it out."]),
    executor: "quickjs",
    maxSteps: 1,
    name: "flaky",
    description: "Tries hard sums.",
  });
  const manager = new CodeAgent({
    model: new ScriptedModel([
      [
        "<code>",
        'const report = researcher({ task: "Capital of France?", additional_args: { hint: "on the Seine" } });',
        "let failure = null;",
        'try { flaky({ task: "What is 17 factorial?" }); } catch (error) { failure = String(error.message ?? error); }',
        "final_answer({ report, failure });",
        "</code>",
      ].join("\n"),
    ]),
    executor: "quickjs",
    managedAgents: [researcher, flaky],
  });
  return { manager, researcher, flaky };
}

describe("managed agents (QuickJS)", () => {
  test("the manager's code gets one agent's answer and catches the other's failure; events nest; tokens add up", async () => {
    const { manager, researcher, flaky } = team();
    const events: AgentEvent[] = [];
    try {
      for await (const event of manager.stream("Find the capital of France and 17!")) events.push(event);
    } finally {
      await Promise.all([manager.close(), researcher.close(), flaky.close()]);
    }
    const finish = events.findLast((event) => event.type === "run-finish" && event.managed === undefined);
    expect(finish?.type).toBe("run-finish");
    const result = finish!.type === "run-finish" ? finish!.result : undefined!;
    expect(result.state).toBe("success");
    const output = result.output as { report: string; failure: string };
    expect(output.report).toBe("Paris, on the Seine");
    expect(output.failure).toContain("flaky ran out of steps");
    expect(output.failure).toContain("I could not work it out.");

    // The researcher's events sit between the manager's call to it and that call's result.
    const callAt = events.findIndex((event) => event.type === "tool-call" && event.name === "researcher" && event.managed === undefined);
    const resultAt = events.findIndex((event) => event.type === "tool-result" && event.call.name === "researcher" && event.managed === undefined);
    const nested = events.slice(callAt + 1, resultAt);
    expect(nested.length).toBeGreaterThan(3);
    expect(nested.every((event) => event.managed?.agent === "researcher" && event.managed.depth === 1 && event.managed.parentStepNumber === 1)).toBe(true);
    expect(nested.map((event) => event.type)).toEqual(expect.arrayContaining(["run-start", "code", "tool-call", "final-answer", "run-finish"]));
    const nestedToolCall = nested.find((event) => event.type === "tool-call");
    expect(nestedToolCall?.type === "tool-call" && nestedToolCall.name).toBe("capital_of");
    expect(events.some((event) => event.managed?.agent === "flaky" && event.type === "error")).toBe(true);

    // Tokens: the manager's own steps plus both agents' whole runs, read from their own memories.
    const own = stepsTokenUsage(result.steps);
    const expected = addTokenUsage(addTokenUsage(own, stepsTokenUsage(researcher.memory.steps)), stepsTokenUsage(flaky.memory.steps));
    expect(stepsTokenUsage(flaky.memory.steps).outputTokens).toBeGreaterThan(0);
    expect(result.tokenUsage).toEqual(expected);
    expect(result.tokenUsage.inputTokens).toBeGreaterThan(own.inputTokens);

    // Their memories come back with the result.
    expect(result.managedRuns?.map((run) => [run.agent, run.state])).toEqual([
      ["researcher", "success"],
      ["flaky", "max_steps_error"],
    ]);
    const researcherTask = result.managedRuns![0]!.steps[0] as MemoryStep;
    expect(researcherTask.type === "task" && researcherTask.task).toContain("Capital of France?");
    expect(result.managedRuns![0]!.output).toBe("Paris, on the Seine");
    expect(result.managedRuns![1]!.steps.some((step) => step.type === "action" && step.error?.type === "SyntaxError")).toBe(true);
  });

  test("teams nest: a manager's agent manages its own (a ToolCallingAgent in the middle); depth and tokens follow", async () => {
    const leaf = new CodeAgent({
      model: new ScriptedModel(["<code>\nfinal_answer(6 * 7);\n</code>"]),
      executor: "quickjs",
      name: "calculator",
      description: "Does arithmetic.",
    });
    const middle = new ToolCallingAgent({
      model: new ScriptedModel([
        { role: "assistant", content: "", toolCalls: [{ id: "a", name: "calculator", arguments: { task: "6 times 7" } }] },
        { role: "assistant", content: "", toolCalls: [{ id: "b", name: "final_answer", arguments: { answer: "it is 42" } }] },
      ]),
      name: "analyst",
      description: "Answers questions, delegating sums.",
      managedAgents: [leaf],
    });
    const top = new CodeAgent({ model: new ScriptedModel(['<code>\nfinal_answer(analyst({ task: "What is 6 x 7?" }));\n</code>']), executor: "quickjs", managedAgents: [middle] });
    const events: AgentEvent[] = [];
    try {
      for await (const event of top.stream("Ask the analyst.")) events.push(event);
    } finally {
      await Promise.all([top.close(), leaf.close()]);
    }
    const result = (events.at(-1) as Extract<AgentEvent, { type: "run-finish" }>).result;
    expect(result.output).toBe("it is 42");
    const leafCode = events.find((event) => event.type === "code" && event.managed !== undefined);
    expect(leafCode?.managed).toEqual({ agent: "calculator", depth: 2, parentStepNumber: 1 });
    expect(events.some((event) => event.type === "tool-call" && event.name === "calculator" && event.managed?.agent === "analyst" && event.managed.depth === 1)).toBe(true);
    const all = addTokenUsage(addTokenUsage(stepsTokenUsage(result.steps), stepsTokenUsage(middle.memory.steps)), stepsTokenUsage(leaf.memory.steps));
    expect(result.tokenUsage).toEqual(all);
    expect(result.managedRuns?.[0]?.managedRuns.map((run) => [run.agent, run.output])).toEqual([["calculator", 42]]);
  });

  test("the manager's prompt lists each managed agent as a function with its description", () => {
    const { manager } = team();
    const prompt = manager.systemPrompt();
    expect(prompt).toMatch(/function researcher\(/);
    expect(prompt).toContain("Looks up facts about countries.");
    expect(prompt).toMatch(/function flaky\(/);
  });

  test("a managed agent whose model cannot be reached is an error the manager's code catches", async () => {
    const broken = new ToolCallingAgent({ model: new ScriptedModel([]), name: "broken", description: "Never answers." });
    const manager = new CodeAgent({
      model: new ScriptedModel(['<code>\ntry { broken({ task: "hi" }); } catch (error) { final_answer("caught: " + error.message); }\n</code>']),
      executor: "quickjs",
      managedAgents: [broken],
    });
    try {
      const result = await manager.run("Ask broken.");
      expect(result.output).toMatch(/^caught: .*broken failed: ScriptedModel has no reply left/);
      expect(result.managedRuns?.[0]?.state).toBe("error");
    } finally {
      await manager.close();
    }
  });

  test("managed agents without a name or description, or named like a tool or each other, are refused up front", () => {
    const model = new ScriptedModel([]);
    const unnamed = new ToolCallingAgent({ model, description: "No name." });
    const undescribed = new ToolCallingAgent({ model, name: "helper" });
    const clash = new ToolCallingAgent({ model, name: "capital_of", description: "Same name as the tool." });
    const twin = new ToolCallingAgent({ model, name: "helper", description: "One." });
    const twin2 = new ToolCallingAgent({ model, name: "helper", description: "Two." });
    const badName = new ToolCallingAgent({ model, name: "my helper", description: "A space in the name." });
    expect(() => new CodeAgent({ model, executor: "quickjs", managedAgents: [unnamed] })).toThrow(AgentConfigurationError);
    expect(() => new CodeAgent({ model, executor: "quickjs", managedAgents: [undescribed] })).toThrow(/needs a name and a description/);
    expect(() => new CodeAgent({ model, executor: "quickjs", tools: [capitals], managedAgents: [clash] })).toThrow(/same name as a tool/);
    expect(() => new CodeAgent({ model, executor: "quickjs", managedAgents: [twin, twin2] })).toThrow(AgentConfigurationError);
    expect(() => new CodeAgent({ model, executor: "quickjs", managedAgents: [badName] })).toThrow(AgentConfigurationError);
  });
});
