/**
 * Restoring a run from a saved memory into a new agent (another process, another machine):
 * `resume` rebuilds the sandbox by replaying the steps' code with recorded tool results, goes on
 * from the next step, and `interceptToolCalls` sees every call before approval is asked.
 */
import { describe, expect, test } from "vitest";
import { z } from "zod";

import { AgentMemory } from "../src/agents/agent-memory.js";
import { CodeAgent } from "../src/agents/code-agent.js";
import type { InterceptedToolCall } from "../src/agents/tool-interceptor.js";
import { AgentConfigurationError } from "../src/errors.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { tool } from "../src/tools/tool.js";

/** A tool with a side effect the test can count: it appends to `lines`. */
function appender(lines: string[]) {
  return tool({
    name: "append_line",
    description: "Appends a line to the log and returns how many lines it holds.",
    inputSchema: z.object({ line: z.string() }),
    execute: ({ line }) => lines.push(line),
  });
}

const task = "Append two lines, then report.";
const firstTwoSteps = [
  "<code>\nvar first = append_line({ line: 'one' });\nvar picked = Math.random();\n</code>",
  "<code>\nvar second = append_line({ line: 'two' });\nconsole.log(second);\n</code>",
];

/** Runs the first two steps, then stops: the memory a checkpoint would hold. */
async function savedAfterTwoSteps(lines: string[]): Promise<string> {
  const agent: CodeAgent = new CodeAgent({
    model: new ScriptedModel(firstTwoSteps),
    executor: "quickjs",
    tools: [appender(lines)],
    stepCallbacks: [(step) => (step.type === "action" && step.stepNumber === 2 ? agent.interrupt() : undefined)],
  });
  try {
    const result = await agent.run(task);
    expect(result.state).toBe("interrupted");
    return JSON.stringify(agent.memory);
  } finally {
    await agent.close();
  }
}

describe("resume a run restored into memory", () => {
  test("the sandbox is rebuilt without calling the tools again, and the run goes on from step 3", async () => {
    const lines: string[] = [];
    const saved = await savedAfterTwoSteps(lines);
    expect(lines).toEqual(["one", "two"]);

    const model = new ScriptedModel(["<code>\nfinal_answer({ first, second, lines: append_line({ line: 'three' }) });\n</code>"]);
    const agent = new CodeAgent({ model, executor: "quickjs", tools: [appender(lines)] });
    try {
      agent.memory.steps.push(...AgentMemory.fromJSON(saved).steps);
      const result = await agent.run(task, { resume: {} });
      expect(result.state).toBe("success");
      // Variables from steps 1 and 2 are back; the replay answered from memory, so only 'three' was appended.
      expect(result.output).toEqual({ first: 1, second: 2, lines: 3 });
      expect(lines).toEqual(["one", "two", "three"]);
      expect(result.steps.filter((step) => step.type === "action").map((step) => (step as { stepNumber: number }).stepNumber)).toEqual([1, 2, 3]);
      expect(result.steps[0]).toMatchObject({ type: "task", task });
      expect(agent.memory.steps.filter((step) => step.type === "task")).toHaveLength(1);
    } finally {
      await agent.close();
    }
  });

  test("a recorded next reply is used instead of asking the model, and the steps left are counted from the memory", async () => {
    const lines: string[] = [];
    const saved = await savedAfterTwoSteps(lines);
    // No replies at all: any model call would fail the run.
    const agent = new CodeAgent({ model: new ScriptedModel([]), executor: "quickjs", tools: [appender(lines)], maxSteps: 3 });
    try {
      agent.memory.steps.push(...AgentMemory.fromJSON(saved).steps);
      const text = "<code>\nfinal_answer(first + second);\n</code>";
      const result = await agent.run(task, { resume: { nextReply: { text, tokenUsage: { inputTokens: 7, outputTokens: 3 } } } });
      expect(result.output).toBe(3);
      // The run is the whole task: steps 1 and 2 from the memory, step 3 with the recorded reply's tokens.
      const third = result.steps.at(-2) as { stepNumber: number; tokenUsage?: unknown };
      expect(third).toMatchObject({ stepNumber: 3, tokenUsage: { inputTokens: 7, outputTokens: 3 } });
      expect(lines).toEqual(["one", "two"]);
    } finally {
      await agent.close();
    }
  });

  test("without replaying code the sandbox starts empty", async () => {
    const saved = await savedAfterTwoSteps([]);
    const agent = new CodeAgent({ model: new ScriptedModel(["<code>\nfinal_answer(typeof first);\n</code>"]), executor: "quickjs", tools: [appender([])] });
    try {
      agent.memory.steps.push(...AgentMemory.fromJSON(saved).steps);
      expect((await agent.run(task, { resume: { replayCode: false } })).output).toBe("undefined");
    } finally {
      await agent.close();
    }
  });

  test("a replayed step that calls a tool its record does not hold gets an error, and the tool is not called", async () => {
    const lines: string[] = [];
    const saved = JSON.parse(await savedAfterTwoSteps(lines)) as { steps: { type: string; codeAction?: string }[] };
    // The record of step 2 no longer matches its code: replay must not call the tool for real.
    saved.steps.filter((step) => step.type === "action")[1]!.codeAction = "var second = append_line({ line: 'two' }); append_line({ line: 'extra' });";
    const agent = new CodeAgent({ model: new ScriptedModel(["<code>\nfinal_answer(second);\n</code>"]), executor: "quickjs", tools: [appender(lines)] });
    try {
      agent.memory.steps.push(...AgentMemory.fromJSON(JSON.stringify(saved)).steps);
      expect((await agent.run(task, { resume: {} })).output).toBe(2);
      expect(lines).toEqual(["one", "two"]);
    } finally {
      await agent.close();
    }
  });

  test("resume with another task than the memory's is refused", async () => {
    const saved = await savedAfterTwoSteps([]);
    const agent = new CodeAgent({ model: new ScriptedModel([]), executor: "quickjs", tools: [appender([])] });
    try {
      agent.memory.steps.push(...AgentMemory.fromJSON(saved).steps);
      await expect(agent.run("Something else.", { resume: {} })).rejects.toThrow(AgentConfigurationError);
    } finally {
      await agent.close();
    }
  });
});

describe("interceptToolCalls", () => {
  test("sees each call with its step before approval is asked, and may answer it without making it", async () => {
    const lines: string[] = [];
    const seen: InterceptedToolCall[] = [];
    const asked: string[] = [];
    const guarded = tool({ ...{ name: "guarded", description: "Needs approval." }, inputSchema: z.object({ n: z.number() }), needsApproval: true, execute: ({ n }) => n * 10 });
    const agent = new CodeAgent({
      model: new ScriptedModel(["<code>\nvar a = append_line({ line: 'x' });\n</code>", "<code>\nfinal_answer([a, guarded({ n: 4 }), guarded({ n: 5 })]);\n</code>"]),
      executor: "quickjs",
      tools: [appender(lines), guarded],
      onApproval: ({ args }) => {
        asked.push(JSON.stringify(args));
        return true;
      },
      interceptToolCalls: async (call, next) => {
        seen.push({ tool: call.tool, args: call.args, stepNumber: call.stepNumber });
        // The journal already holds this one's result: answer it, and no approval is asked.
        if (call.tool === "guarded" && call.args["n"] === 4) return 99;
        return await next();
      },
    });
    try {
      expect((await agent.run("Go.")).output).toEqual([1, 99, 50]);
      expect(seen).toEqual([
        { tool: "append_line", args: { line: "x" }, stepNumber: 1 },
        { tool: "guarded", args: { n: 4 }, stepNumber: 2 },
        { tool: "guarded", args: { n: 5 }, stepNumber: 2 },
      ]);
      expect(asked).toEqual([JSON.stringify({ n: 5 })]);
      expect(lines).toEqual(["x"]);
    } finally {
      await agent.close();
    }
  });
});

describe("agent.restore", () => {
  test("takes a saved memory in place of its own, rebuilds the sandbox without calling tools, and a new task continues from it", async () => {
    const lines: string[] = [];
    const saved = await savedAfterTwoSteps(lines);
    const replies = ["<code>\nvar first = 999;\nfinal_answer('earlier');\n</code>", "<code>\nfinal_answer(first + second + 100);\n</code>"];
    const agent = new CodeAgent({ model: new ScriptedModel(replies), executor: "quickjs", tools: [appender(lines)] });
    try {
      // An earlier run leaves a variable that the restored memory's sandbox must not keep.
      expect((await agent.run("An earlier task.")).output).toBe("earlier");
      await agent.restore(saved);
      expect(agent.memory.steps.filter((step) => step.type === "task")).toHaveLength(1);
      const result = await agent.run("Add them up.", { reset: false });
      expect(result.output).toBe(103);
      expect(lines).toEqual(["one", "two"]);
      expect(agent.memory.steps.filter((step) => step.type === "task").map((step) => (step as { task: string }).task)).toEqual([task, "Add them up."]);
    } finally {
      await agent.close();
    }
  });
});

describe("resume in the Python sandbox", () => {
  test("variables from replayed steps are back and no tool is called again", async () => {
    const lines: string[] = [];
    const steps = ["<code>\nfirst = append_line(line='one')\nnames = {'a': first}\n</code>", "<code>\nnames['b'] = append_line(line='two')\n</code>"];
    const original: CodeAgent = new CodeAgent({
      model: new ScriptedModel(steps),
      tools: [appender(lines)],
      stepCallbacks: [(step) => (step.type === "action" && step.stepNumber === 2 ? original.interrupt() : undefined)],
    });
    let saved: string;
    try {
      expect((await original.run(task)).state).toBe("interrupted");
      saved = JSON.stringify(original.memory);
    } finally {
      await original.close();
    }
    const agent = new CodeAgent({ model: new ScriptedModel(["<code>\nfinal_answer(sorted(names.items()))\n</code>"]), tools: [appender(lines)] });
    try {
      agent.memory.steps.push(...AgentMemory.fromJSON(saved).steps);
      expect((await agent.run(task, { resume: {} })).output).toEqual([["a", 1], ["b", 2]]);
      expect(lines).toEqual(["one", "two"]);
    } finally {
      await agent.close();
    }
  });
});

describe("resume edge cases", () => {
  test("a memory whose last step gave the final answer ends at once with it; a trailing unfinished step is taken again", async () => {
    const lines: string[] = [];
    const saved = JSON.parse(await savedAfterTwoSteps(lines)) as { steps: Record<string, unknown>[] };
    const answered = structuredClone(saved);
    Object.assign(answered.steps.at(-1)!, { isFinalAnswer: true, output: "done already" });
    const quiet = new CodeAgent({ model: new ScriptedModel([]), executor: "quickjs", tools: [appender(lines)] });
    try {
      quiet.memory.steps.push(...AgentMemory.fromJSON(JSON.stringify(answered)).steps);
      const result = await quiet.run(task, { resume: {} });
      expect(result).toMatchObject({ state: "success", output: "done already" });
    } finally {
      await quiet.close();
    }
    // The model could not be reached in step 3: that step is in memory, marked unfinished.
    const failed = structuredClone(saved);
    failed.steps.push({ type: "action", stepNumber: 3, modelOutput: "", toolCalls: [], timing: { startedAt: 0, durationMs: 0 }, error: { type: "ModelCallError", message: "503" }, unfinished: true });
    const agent = new CodeAgent({ model: new ScriptedModel(["<code>\nfinal_answer(first + second);\n</code>"]), executor: "quickjs", tools: [appender(lines)], maxSteps: 3 });
    try {
      agent.memory.steps.push(...AgentMemory.fromJSON(JSON.stringify(failed)).steps);
      const result = await agent.run(task, { resume: {} });
      expect(result.output).toBe(3);
      const numbers = result.steps.flatMap((step) => (step.type === "action" ? [step.stepNumber] : []));
      expect(numbers).toEqual([1, 2, 3]);
    } finally {
      await agent.close();
    }
  });

  test("an image a tool returned comes back as the image, not its label, when the step is replayed", async () => {
    const pixel = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    const camera = tool({ name: "snap", description: "Takes a picture.", inputSchema: z.object({}), execute: () => ({ type: "image", image: pixel, mediaType: "image/png" }) });
    const first: CodeAgent = new CodeAgent({
      model: new ScriptedModel(["<code>\nvar picture = snap({});\n</code>"]),
      executor: "quickjs",
      tools: [camera],
      stepCallbacks: [(step) => (step.type === "action" ? first.interrupt() : undefined)],
    });
    let saved: string;
    try {
      await first.run("Take a picture.");
      saved = JSON.stringify(first.memory);
    } finally {
      await first.close();
    }
    const agent = new CodeAgent({ model: new ScriptedModel(["<code>\nfinal_answer([typeof picture, picture.type, picture.mediaType, picture.data.length > 40]);\n</code>"]), executor: "quickjs", tools: [camera] });
    try {
      agent.memory.steps.push(...AgentMemory.fromJSON(saved).steps);
      expect((await agent.run("Take a picture.", { resume: {} })).output).toEqual(["object", "image", "image/png", true]);
    } finally {
      await agent.close();
    }
  });
});
