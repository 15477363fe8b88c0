/**
 * The agent loop with a ScriptedExecutor: no sandbox starts, so these run in milliseconds. The
 * executor's answers stand for what a sandbox would return; the loop's own behaviour is real.
 */
import { expect, test } from "vitest";

import { CodeAgent } from "../src/agents/code-agent.js";
import type { ActionStep } from "../src/agents/memory-steps.js";
import { ScriptedExecutor } from "../src/executors/scripted-executor.js";
import { messageText } from "../src/models/model.js";
import { ScriptedModel } from "../src/models/scripted-model.js";

test("the loop hands each step's code to the executor and feeds what it returns back to the model", async () => {
  const executor = new ScriptedExecutor([
    { output: null, logs: "partial: 3\n", isFinalAnswer: false },
    { output: null, logs: "", isFinalAnswer: false, error: { type: "ZeroDivisionError", message: "division by zero (line 1)" } },
    (code) => ({ output: code.includes("final_answer") ? 42 : null, logs: "", isFinalAnswer: true }),
  ]);
  const model = new ScriptedModel([
    "Thought: start.\n<code>\nprint('partial:', 1 + 2)\n</code>",
    "Thought: divide.\n<code>\n1 / 0\n</code>",
    "Thought: done.\n<code>\nfinal_answer(42)\n</code>",
  ]);
  const agent = new CodeAgent({ model, executor });
  const started = Date.now();
  const result = await agent.run("Compute something.");

  expect(result.state).toBe("success");
  expect(result.output).toBe(42);
  expect(executor.runs.map((run) => run.code)).toEqual(["print('partial:', 1 + 2)", "1 / 0", "final_answer(42)"]);
  // What the executor returned is what the model read next.
  const secondRequest = model.calls[1]!.messages.map((message) => messageText(message.content)).join("\n");
  expect(secondRequest).toContain("partial: 3");
  const thirdRequest = model.calls[2]!.messages.map((message) => messageText(message.content)).join("\n");
  expect(thirdRequest).toContain("ZeroDivisionError");
  const steps = agent.memory.steps.filter((step): step is ActionStep => step.type === "action");
  expect(steps).toHaveLength(3);
  expect(steps[1]!.error?.message).toMatch(/division by zero/);
  expect(Date.now() - started).toBeLessThan(5_000);
});

test("an executor passed in describes itself: the prompt lists the imports it enforces and its notes", async () => {
  const { PyodideExecutor } = await import("../src/executors/pyodide/pyodide-executor.js");
  const { MontyExecutor } = await import("../src/executors/monty/monty-executor.js");
  const { MONTY_PROMPT_NOTES } = await import("../src/executors/monty/prompt-notes.js");
  // Neither starts a sandbox: executors start on first use.
  const pyodide = new PyodideExecutor({ authorizedImports: ["math", "fractions"] });
  const prompt = new CodeAgent({ model: new ScriptedModel([]), executor: pyodide, authorizedImports: ["os"] }).systemPrompt();
  expect(prompt).toContain("fractions");
  expect(prompt).not.toMatch(/\bos\b.*\bfractions\b|\bstatistics\b/);
  const monty = new MontyExecutor({ authorizedImports: ["math"] });
  const montyPrompt = new CodeAgent({ model: new ScriptedModel([]), executor: monty }).systemPrompt();
  expect(montyPrompt).toContain(MONTY_PROMPT_NOTES.slice(0, 60));
  // A scripted executor claims nothing: the prompt falls back to the default list.
  expect(new CodeAgent({ model: new ScriptedModel([]), executor: new ScriptedExecutor([]) }).systemPrompt()).toContain("statistics");
  await Promise.all([pyodide.close(), monty.close()]);
});

test("a sandbox registered by name is what an agent given that name creates, with its notes in the prompt", async () => {
  const { registerExecutor, executorNames } = await import("../src/executors/registry.js");
  const made: ScriptedExecutor[] = [];
  registerExecutor({
    name: "scripted-for-test",
    language: "javascript",
    promptNotes: "This sandbox answers from a script.",
    create: (options) => {
      expect(options["timeoutMs"]).toBe(1234);
      const executor = new ScriptedExecutor([{ output: "done", logs: "", isFinalAnswer: true }], { language: "javascript" });
      made.push(executor);
      return executor;
    },
  });
  expect(executorNames()).toEqual(expect.arrayContaining(["pyodide", "quickjs", "monty", "scripted-for-test"]));
  expect(() => registerExecutor({ name: "scripted-for-test", language: "python", create: () => new ScriptedExecutor([]) })).toThrow(/already registered/);
  expect(() => registerExecutor({ name: "Bad Name", language: "python", create: () => new ScriptedExecutor([]) })).toThrow(/lower-case/);

  const agent = new CodeAgent({
    model: new ScriptedModel(["<code>\nfinal_answer('done')\n</code>"]),
    executor: "scripted-for-test",
    executorOptions: { timeoutMs: 1234 },
  });
  expect(agent.language).toBe("javascript");
  expect(agent.systemPrompt()).toContain("This sandbox answers from a script.");
  const result = await agent.run("Finish.");
  expect(result.output).toBe("done");
  expect(made).toHaveLength(1);
  await agent.close();
  expect(() => new CodeAgent({ model: new ScriptedModel([]), executor: "no-such-sandbox" })).toThrow(/Unknown executor 'no-such-sandbox'. Available: pyodide, quickjs, monty/);
});
