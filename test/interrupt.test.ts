/**
 * agent.interrupt(): the run stops after its current step with state "interrupted", and
 * run(task, { reset: false }) resumes with memory and sandbox state intact (QuickJS sandbox).
 */
import { describe, expect, test } from "vitest";
import { z } from "zod";

import { CodeAgent } from "../src/agents/code-agent.js";
import type { AgentEvent } from "../src/agents/events.js";
import type { ActionStep } from "../src/agents/memory-steps.js";
import type { RunResult } from "../src/agents/run-result.js";
import { ToolCallingAgent } from "../src/agents/tool-calling-agent.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { tool } from "../src/tools/tool.js";

function actions(steps: readonly { type: string }[]): ActionStep[] {
  return steps.filter((step): step is ActionStep => step.type === "action");
}

describe("agent.interrupt()", () => {
  test("stops after the current step; resuming with reset: false keeps memory and sandbox variables", async () => {
    const model = new ScriptedModel([
      "<code>\nvar count = 41;\nconsole.log('stored');\n</code>",
      "<code>\nfinal_answer(count + 1);\n</code>",
    ]);
    // The person presses stop as step 1 ends.
    const agent: CodeAgent = new CodeAgent({
      model,
      executor: "quickjs",
      stepCallbacks: [(step) => (step.type === "action" && step.stepNumber === 1 ? agent.interrupt() : undefined)],
    });
    try {
      const events: AgentEvent[] = [];
      for await (const event of agent.stream("Count to 42.")) events.push(event);
      const finish = events.at(-1)!;
      expect(finish.type).toBe("run-finish");
      const first = finish.type === "run-finish" ? finish.result : undefined!;
      expect(first.state).toBe("interrupted");
      expect(first.output).toBeNull();
      expect(actions(first.steps)).toHaveLength(1);
      expect(events.some((event) => event.type === "final-answer")).toBe(false);
      expect(agent.memory.steps.some((step) => step.type === "final-answer")).toBe(false);
      expect(model.remaining).toBe(1);

      const resumed = await agent.run("Count to 42.", { reset: false });
      expect(resumed.state).toBe("success");
      expect(resumed.output).toBe(42);
      // The task is not repeated; step numbers go on from the interrupted run.
      expect(agent.memory.steps.filter((step) => step.type === "task")).toHaveLength(1);
      expect(actions(agent.memory.steps).map((step) => step.stepNumber)).toEqual([1, 2]);
      const sent = JSON.stringify(model.calls[1]!.messages);
      expect(sent).toContain("stored");
    } finally {
      await agent.close();
    }
  });

  test("interrupting from a tool lets the rest of that step's code run, then stops", async () => {
    const model = new ScriptedModel(["<code>\nstop_button();\nconsole.log('after the button');\n</code>", "<code>\nfinal_answer('too far');\n</code>"]);
    let agent: CodeAgent;
    const stop = tool({ name: "stop_button", description: "Presses stop.", inputSchema: z.object({}), execute: () => agent.interrupt() });
    agent = new CodeAgent({ model, executor: "quickjs", tools: [stop] });
    try {
      const result = await agent.run("Press the button.");
      expect(result.state).toBe("interrupted");
      expect(actions(result.steps)[0]!.observations).toContain("after the button");
      expect(model.remaining).toBe(1);
    } finally {
      await agent.close();
    }
  });

  test("an interrupt() with no run going on does not stop the next run", async () => {
    const agent = new ToolCallingAgent({
      model: new ScriptedModel([{ role: "assistant", content: "", toolCalls: [{ id: "c", name: "final_answer", arguments: { answer: 7 } }] }]),
    });
    agent.interrupt();
    const result = await agent.run("Say 7.");
    expect(result).toMatchObject({ state: "success", output: 7 });
  });

  test("a fresh run after an interrupted one starts over; a step that answers is not cut short", async () => {
    const model = new ScriptedModel(["<code>\nvar left = 1;\n</code>", "<code>\nfinal_answer(typeof left);\n</code>"]);
    // Asks to stop after every step: the answering step still ends the run with its answer.
    const agent: CodeAgent = new CodeAgent({ model, executor: "quickjs", stepCallbacks: [() => agent.interrupt()] });
    try {
      expect((await agent.run("One.")).state).toBe("interrupted");
      const fresh = await agent.run("Two.");
      expect(fresh).toMatchObject({ state: "success", output: "undefined" });
      expect(agent.memory.steps.filter((step) => step.type === "task").map((step) => step.type === "task" && step.task)).toEqual(["Two."]);
    } finally {
      await agent.close();
    }
  });

  test("interrupting a manager stops the managed agent it is waiting on, then the manager", async () => {
    const helperModel = new ScriptedModel(["<code>\nvar half = 21;\n</code>", "<code>\nfinal_answer(half * 2);\n</code>"]);
    const managerModel = new ScriptedModel(['<code>\nconst answer = helper({ task: "Compute." });\n</code>', "<code>\nfinal_answer(answer);\n</code>"]);
    // The stop comes while the helper works, as its first step ends.
    const helper: CodeAgent = new CodeAgent({
      model: helperModel,
      executor: "quickjs",
      name: "helper",
      description: "Computes.",
      stepCallbacks: [() => manager.interrupt()],
    });
    const manager: CodeAgent = new CodeAgent({ model: managerModel, executor: "quickjs", managedAgents: [helper] });
    try {
      const result = await manager.run("Delegate.");
      expect(result.state).toBe("interrupted");
      expect(result.managedRuns?.map((run) => run.state)).toEqual(["interrupted"]);
      expect(actions(result.steps)[0]!.error?.message).toContain("helper was interrupted");
      expect(helperModel.remaining).toBe(1);
      expect(managerModel.remaining).toBe(1);
    } finally {
      await Promise.all([manager.close(), helper.close()]);
    }
  });
});

test("after interrupt(), a manager's code starts no more managed runs in the step it is finishing", async () => {
  const slowReport = "<code>\nawait new Promise((resolve) => setTimeout(resolve, 100));\nfinal_answer('report')\n</code>";
  const researcher = new CodeAgent({ model: new ScriptedModel([slowReport, slowReport, slowReport]), executor: "quickjs", name: "researcher", description: "Reports." });
  const manager = new CodeAgent({
    model: new ScriptedModel([
      "<code>\nconst got = []\nfor (const topic of ['a', 'b', 'c']) {\n  try { got.push(researcher({ task: topic })) } catch (error) { got.push('stopped') }\n}\nfinal_answer(got)\n</code>",
    ]),
    executor: "quickjs",
    managedAgents: [researcher],
  });
  try {
    let finish: RunResult | undefined;
    for await (const event of manager.stream("Three reports.")) {
      if (event.managed !== undefined && event.type === "run-start") manager.interrupt();
      if (event.type === "run-finish" && event.managed === undefined) finish = event.result;
    }
    // The run going on ends its step (here with its answer); the later calls never start.
    expect(finish?.output).toEqual(["report", "stopped", "stopped"]);
    expect(finish?.managedRuns?.map((run) => run.task)).toEqual(["a"]);
  } finally {
    await Promise.all([manager.close(), researcher.close()]);
  }
});
