/**
 * Managed agents in the Pyodide sandbox: the manager's Python calls a CodeAgent (in a Pyodide
 * sandbox of its own) and a ToolCallingAgent that runs out of steps; the failure is an exception
 * the manager's code catches. One sandbox per agent for the whole file: they are slow to start.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";

import { CodeAgent } from "../src/agents/code-agent.js";
import type { AgentEvent } from "../src/agents/events.js";
import { stepsTokenUsage } from "../src/agents/memory-steps.js";
import { ToolCallingAgent } from "../src/agents/tool-calling-agent.js";
import { PyodideExecutor } from "../src/executors/pyodide/pyodide-executor.js";
import { addTokenUsage, type ChatMessage } from "../src/models/model.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { tool } from "../src/tools/tool.js";

const rainfall = tool({
  name: "rainfall_mm",
  description: "Yearly rainfall of a city, in millimetres.",
  inputSchema: z.object({ city: z.string() }),
  execute: ({ city }) => ({ Paris: 637, Oslo: 763 })[city] ?? 0,
});

let managerSandbox: PyodideExecutor;
let researcherSandbox: PyodideExecutor;
beforeAll(async () => {
  managerSandbox = new PyodideExecutor({ timeoutMs: 60_000 });
  researcherSandbox = new PyodideExecutor({ timeoutMs: 60_000 });
  await Promise.all([managerSandbox.start(), researcherSandbox.start()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([managerSandbox?.close(), researcherSandbox?.close()]);
  await PyodideExecutor.drainPool();
});

function toolCall(name: string, args: Record<string, unknown>): ChatMessage {
  return { role: "assistant", content: "", toolCalls: [{ id: "call_1", name, arguments: args }] };
}

describe("managed agents (Pyodide)", () => {
  test("delegating to two agents: one answer comes back, the other's failure is caught in Python", async () => {
    const researcher = new CodeAgent({
      model: new ScriptedModel(["<code>\ntotal = sum(rainfall_mm(city=c) for c in cities)\nfinal_answer(total)\n</code>"]),
      executor: researcherSandbox,
      tools: [rainfall],
      name: "researcher",
      description: "Finds weather figures for cities.",
    });
    const forecaster = new ToolCallingAgent({
      model: new ScriptedModel([toolCall("crystal_ball", { year: 2030 }), "No forecast is possible."]),
      maxSteps: 1,
      name: "forecaster",
      description: "Forecasts next year's weather.",
    });
    const manager = new CodeAgent({
      model: new ScriptedModel([
        [
          "<code>",
          'total = researcher(task="Total yearly rainfall of these cities", additional_args={"cities": ["Paris", "Oslo"]})',
          "try:",
          '    forecaster(task="Rainfall in Paris in 2030?")',
          "    failure = None",
          "except Exception as error:",
          "    failure = str(error)",
          "print(total, failure)",
          "</code>",
        ].join("\n"),
        '<code>\nfinal_answer({"total": total, "failure": failure})\n</code>',
      ]),
      executor: managerSandbox,
      managedAgents: [researcher, forecaster],
    });

    const events: AgentEvent[] = [];
    for await (const event of manager.stream("Rainfall now and in 2030?")) events.push(event);
    const finish = events.at(-1)!;
    expect(finish.type === "run-finish" && finish.managed === undefined).toBe(true);
    const result = finish.type === "run-finish" ? finish.result : undefined!;

    const output = result.output as { total: number; failure: string };
    expect(output.total).toBe(637 + 763);
    expect(output.failure).toContain("forecaster ran out of steps");
    expect(output.failure).toContain("No forecast is possible.");

    // Each agent's events sit under the manager's call to it, in step 1.
    for (const name of ["researcher", "forecaster"]) {
      const callAt = events.findIndex((event) => event.type === "tool-call" && event.name === name && event.managed === undefined);
      const resultAt = events.findIndex((event) => event.type === "tool-result" && event.call.name === name && event.managed === undefined);
      const between = events.slice(callAt + 1, resultAt);
      expect(between.length).toBeGreaterThan(0);
      expect(between.every((event) => event.managed?.agent === name && event.managed.parentStepNumber === 1 && event.managed.depth === 1)).toBe(true);
      expect(between.some((event) => event.type === "run-finish")).toBe(true);
    }
    expect(events.some((event) => event.managed?.agent === "forecaster" && event.type === "error" && event.error.message.includes("crystal_ball"))).toBe(true);
    const failedCall = events.find((event) => event.type === "tool-result" && event.call.name === "forecaster" && event.managed === undefined);
    expect(failedCall?.type === "tool-result" && failedCall.call.error).toContain("ran out of steps");

    // Tokens add up: the manager's steps and each agent's own memory.
    const expected = addTokenUsage(addTokenUsage(stepsTokenUsage(result.steps), stepsTokenUsage(researcher.memory.steps)), stepsTokenUsage(forecaster.memory.steps));
    expect(result.tokenUsage).toEqual(expected);
    expect(result.managedRuns?.map((run) => run.state)).toEqual(["success", "max_steps_error"]);
    expect(result.managedRuns?.[0]?.steps).toEqual(researcher.memory.steps);
  }, 120_000);
});
