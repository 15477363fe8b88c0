/**
 * One agent has one memory and one sandbox: two runs of it at once are refused, and a managed agent
 * shared by two managers takes their calls one after the other, each with its own answer.
 */
import { expect, test } from "vitest";

import { CodeAgent } from "../src/agents/code-agent.js";
import { ScriptedModel } from "../src/models/scripted-model.js";

const REPORT = "<code>\nawait new Promise((resolve) => setTimeout(resolve, 50));\nfinal_answer(`report on ${topic}`)\n</code>";

test("a second run of an agent while its first is going on is refused, and the first is unharmed", async () => {
  const agent = new CodeAgent({ model: new ScriptedModel([REPORT]), executor: "quickjs" });
  try {
    const first = agent.run("Report.", { additionalArgs: { topic: "apples" } });
    await expect(agent.run("Report.", { additionalArgs: { topic: "bees" } })).rejects.toThrow(/already running a task/);
    expect((await first).output).toBe("report on apples");
  } finally {
    await agent.close();
  }
});

test("two managers sharing one researcher each get the answer to their own call", async () => {
  const researcher = new CodeAgent({ model: new ScriptedModel([REPORT, REPORT]), executor: "quickjs", name: "researcher", description: "Reports on a topic." });
  const manager = (topic: string) =>
    new CodeAgent({
      model: new ScriptedModel([`<code>\nfinal_answer(researcher({ task: "Report.", additional_args: { topic: "${topic}" } }))\n</code>`]),
      executor: "quickjs",
      managedAgents: [researcher],
    });
  const [apples, bees] = [manager("apples"), manager("bees")];
  try {
    const results = await Promise.all([apples.run("Apples?"), bees.run("Bees?")]);
    expect(results.map((result) => result.output)).toEqual(["report on apples", "report on bees"]);
    // Each call's memory is its own: the task, one action, the answer; nothing of the other call.
    expect(results.map((result) => result.managedRuns?.[0]?.steps.map((step) => step.type))).toEqual([
      ["task", "action", "final-answer"],
      ["task", "action", "final-answer"],
    ]);
  } finally {
    await Promise.all([apples.close(), bees.close(), researcher.close()]);
  }
});
