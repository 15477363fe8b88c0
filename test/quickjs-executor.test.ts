/**
 * What only the QuickJS executor does: REPL semantics of the rewritten code, top-level await,
 * console and value formatting, timers, the worker thread (hard stop, crash, close, pool). The
 * shared behaviour is in the executor contract.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";

import type { ExecutedToolCall } from "../src/executors/executor.js";
import type { QuickJsConnection } from "../src/executors/quickjs/quickjs-connection.js";
import { QuickJsExecutor } from "../src/executors/quickjs/quickjs-executor.js";
import { SandboxThread } from "../src/executors/quickjs/sandbox-thread.js";
import { compiledQuickJs, POOL_HEAP_MB, WORKER_SETTINGS } from "../src/executors/quickjs/thread-pool.js";
import { tool } from "../src/tools/tool.js";

const getWeather = tool({
  name: "get_weather",
  description: "Current weather for a city.",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `Sunny in ${city}`,
});
const slow = tool({
  name: "slow",
  description: "Waits until aborted.",
  inputSchema: z.object({}),
  execute: (_args, context) =>
    new Promise((_resolve, reject) => context.signal?.addEventListener("abort", () => reject(new Error("aborted")), { once: true })),
});

function threadOf(executor: QuickJsExecutor): Promise<SandboxThread> {
  // The sandbox is private; these tests reach its thread to check its lifecycle.
  return (executor as unknown as { sandbox: Promise<QuickJsConnection> }).sandbox.then((connection) => connection.thread);
}

let executor: QuickJsExecutor;
beforeAll(async () => {
  executor = new QuickJsExecutor({ timeoutMs: 5_000 });
  await executor.sendTools([getWeather, slow]);
});
afterAll(async () => {
  await executor.close();
  await QuickJsExecutor.drainPool();
});

async function output(code: string): Promise<unknown> {
  const result = await executor.run(code);
  expect(result.error).toBeUndefined();
  return result.output;
}

describe("REPL semantics", () => {
  test("top-level const, let and class can be declared again in a later run", async () => {
    await output("const total = 1\nlet label = 'a'\nclass Point { constructor(x) { this.x = x } }");
    await output("const total = 2\nlet label = 'b'\nclass Point { constructor(x) { this.x = x * 10 } }");
    expect(await output("[total, label, new Point(1).x]")).toEqual([2, "b", 10]);
  });

  test("functions from earlier runs see a helper redefined later", async () => {
    await output("function helper() { return 1 }\nfunction caller() { return helper() }");
    await output("function helper() { return 2 }");
    expect(await output("[caller(), caller.name, helper.name]")).toEqual([2, "caller", "helper"]);
  });

  test("functions are hoisted within a snippet", async () => {
    expect(await output("const early = later(3)\nfunction later(n) { return n + 1 }\nearly")).toBe(4);
  });

  test("var anywhere in the snippet's own scope persists; block-scoped names do not", async () => {
    await output("if (true) { var fromBlock = 'kept'; let blockOnly = 1 }\nfor (let loopIndex = 0; loopIndex < 2; loopIndex++) {}");
    expect(await output("fromBlock")).toBe("kept");
    expect((await executor.run("blockOnly")).error?.type).toBe("ReferenceError");
    expect((await executor.run("loopIndex")).error?.type).toBe("ReferenceError");
  });

  test("destructuring declarations persist", async () => {
    await output("const { alpha, beta: [gamma] } = { alpha: 1, beta: [2] }\nlet [delta = 4] = []");
    expect(await output("[alpha, gamma, delta]")).toEqual([1, 2, 4]);
  });

  test("code that says 'use strict' still persists its declarations", async () => {
    await output("'use strict'\nconst strictValue = 7");
    expect(await output("strictValue")).toBe(7);
  });

  test("top-level await works, on promises and on plain values", async () => {
    expect(await output("const weather = await get_weather('Paris')\nconst same = await get_weather({ city: 'Oslo' });\n[weather, same, await 5]")).toEqual([
      "Sunny in Paris",
      "Sunny in Oslo",
      5,
    ]);
  });

  test("a promise as the last value is awaited", async () => {
    expect(await output("async function compute() { return 6 * 7 }\ncompute()")).toBe(42);
  });

  test("a top-level return ends the snippet with its value", async () => {
    expect(await output("if (true) return 'early'\n'late'")).toBe("early");
  });

  test("reset clears functions and classes but keeps tools", async () => {
    const separate = new QuickJsExecutor();
    try {
      await separate.sendTools([getWeather]);
      await separate.run("function kept() {}\nclass Kept {}");
      await separate.reset();
      expect((await separate.run("typeof kept + typeof Kept")).output).toBe("undefinedundefined");
      expect((await separate.run("get_weather('Rome')")).output).toBe("Sunny in Rome");
    } finally {
      await separate.close();
    }
  });
});

describe("values and logs", () => {
  test("values without a JSON form come back as readable text", async () => {
    const value = await output(
      "class Box {}\n({ nan: NaN, inf: -Infinity, zero: -0, fn: function named() {}, arrow: () => 1, cls: Box, " +
        "date: new Date(0), map: new Map([['a', { b: 1 }]]), sym: Symbol('s'), small: 12n, re: /a+/g, error: new TypeError('bad') })",
    );
    expect(value).toEqual({
      nan: "NaN",
      inf: "-Infinity",
      zero: 0,
      fn: "[Function: named]",
      arrow: "[Function: arrow]",
      cls: "[class Box]",
      date: "1970-01-01T00:00:00.000Z",
      map: "Map(1) { 'a' => { b: 1 } }",
      sym: "Symbol(s)",
      small: 12,
      re: "/a+/g",
      error: "TypeError: bad",
    });
  });

  test("cycles are cut, class instances are their own data", async () => {
    expect(await output("class Pair { constructor() { this.a = 1; this.self = this } }\nnew Pair()")).toEqual({ a: 1, self: "[Circular]" });
  });

  test("console formats like Node: strings raw, values inspected, printf directives", async () => {
    const result = await executor.run(
      "console.log('plain', 1, [1, 'two'], { a: { b: { c: { d: 1 } } } }, null, undefined)\n" +
        "console.log('%s is %d years', 'Ann', 42.5)\nconsole.warn(new Set([1]), new Error('oops'))\nconsole.log()",
    );
    expect(result.logs).toBe(
      "plain 1 [ 1, 'two' ] { a: { b: { c: [Object] } } } null undefined\nAnn is 42.5 years\nSet(1) { 1 } Error: oops\n\n",
    );
  });

  test("logs are cut with the same note as Python's", async () => {
    const small = new QuickJsExecutor({ maxOutputChars: 10 });
    try {
      const result = await small.run("console.log('0123456789abcdef')");
      expect(result.logs).toBe("0123456789\n[output truncated: 7 more characters were printed than the 10-character limit]\n");
    } finally {
      await small.close();
    }
  });
});

describe("errors", () => {
  test("the stack names each function and line of the model's code", async () => {
    const result = await executor.run("function inner() {\n  return missing.value\n}\nfunction outer() { return inner() }\nouter()");
    expect(result.error?.type).toBe("ReferenceError");
    expect(result.error?.message).toContain("line 2 in inner(): return missing.value");
    expect(result.error?.message).toContain("line 4 in outer(): function outer() { return inner() }");
    expect(result.error?.message).toContain("line 5 at top level: outer()");
  });

  test("a thrown non-error value and a custom error class keep their meaning", async () => {
    expect((await executor.run("throw 'boom'")).error).toEqual({ type: "Error", message: "Uncaught 'boom'" });
    const custom = await executor.run("class QuotaError extends Error { constructor(m) { super(m); this.name = 'QuotaError' } }\nthrow new QuotaError('over')");
    expect(custom.error?.type).toBe("QuotaError");
    expect(custom.error?.message).toMatch(/^over\n/);
  });

  test("runaway recursion folds the repeated frames", async () => {
    const result = await executor.run("function down(n) {\n  return down(n + 1)\n}\ndown(0)");
    expect(result.error?.type).toBe("InternalError");
    expect(result.error?.message).toMatch(/^stack overflow/);
    expect(result.error?.message).toMatch(/the same call \d+ more times/);
  });

  test("a rejected await fails on the awaiting line", async () => {
    const result = await executor.run("const value = 1\nawait Promise.reject(new RangeError('nope'))");
    expect(result.error?.type).toBe("RangeError");
    expect(result.error?.message).toContain("line 2");
  });

  test("awaiting a promise nothing can settle ends the run with an explanation", async () => {
    const result = await executor.run("await new Promise(() => {})");
    expect(result.error?.message).toMatch(/never|nothing can settle/);
  });
});

describe("timers", () => {
  test("run in order of their due time, and intervals can be cleared", async () => {
    const result = await executor.run(
      "const order = []\nsetTimeout(() => order.push('b'), 20)\nsetTimeout(() => order.push('a'), 5)\n" +
        "let ticks = 0\nconst id = setInterval(() => { if (++ticks === 3) clearInterval(id) }, 1)\n" +
        "await new Promise((resolve) => setTimeout(resolve, 40));\n[order, ticks]",
    );
    expect(result.output).toEqual([["a", "b"], 3]);
  });

  test("timers left when the run ends never fire later", async () => {
    await output("let late = 'no'\nsetTimeout(() => { late = 'yes' }, 0)");
    expect(await output("await null\nlate")).toBe("no");
  });
});

describe("tool calls", () => {
  test("observers see each call with its arguments and result", async () => {
    const calls: ExecutedToolCall[] = [];
    const started: string[] = [];
    await executor.run("get_weather({ city: 'Lima' })\ntry { get_weather(42) } catch {}", {
      onToolCall: (call) => started.push(call.name),
      onToolResult: (call) => calls.push(call),
    });
    expect(started).toEqual(["get_weather", "get_weather"]);
    expect(calls[0]).toMatchObject({ name: "get_weather", arguments: { args: [{ city: "Lima" }], kwargs: {} }, result: "Sunny in Lima" });
    expect(calls[1]?.error).toMatch(/city/);
  });

  test("a run that times out inside a tool call stops, aborts the tool and keeps the namespace", async () => {
    await output("const beforeSlow = 'kept'");
    const started = Date.now();
    const result = await executor.run("slow()", { timeoutMs: 300 });
    expect(result.error?.type).toBe("TimeoutError");
    expect(result.error?.message).toMatch(/time limit of 300 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await output("beforeSlow")).toBe("kept");
  });

  test("runs of one executor never overlap", async () => {
    const [first, second] = await Promise.all([executor.run("let shared = 1\nawait null\nshared"), executor.run("shared = 2")]);
    expect(first.output).toBe(1);
    expect(second.output).toBe(2);
  });
});

describe("the worker thread", () => {
  test("a long native operation is stopped from outside: state is lost, and said so", async () => {
    const stubborn = new QuickJsExecutor({ timeoutMs: 300 });
    try {
      await stubborn.run("const before = 1");
      const first = await threadOf(stubborn);
      const started = Date.now();
      const result = await stubborn.run("new Array(1e9).join('x').length");
      expect(result.error?.type).toBe("TimeoutError");
      expect(result.error?.message).toMatch(/could not be interrupted.*gone/s);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(first.alive).toBe(false);
      expect((await stubborn.run("typeof before")).output).toBe("undefined");
      expect((await stubborn.run("2 * 21")).output).toBe(42);
    } finally {
      await stubborn.close();
    }
  });

  test("a thread that dies is replaced and the next run works", async () => {
    const fragile = new QuickJsExecutor();
    try {
      await fragile.run("1");
      (await threadOf(fragile)).kill("killed by the test");
      const result = await fragile.run("1 + 1");
      expect(result.error?.type).toBe("SandboxCrash");
      expect(result.error?.message).toMatch(/restarted/);
      expect((await fragile.run("1 + 1")).output).toBe(2);
    } finally {
      await fragile.close();
    }
  });

  test("close() ends the thread; closing twice is fine", async () => {
    const closing = new QuickJsExecutor({ usePool: false });
    await closing.run("1");
    const thread = await threadOf(closing);
    await closing.close();
    await closing.close();
    expect(thread.alive).toBe(false);
    await expect(closing.run("1")).rejects.toThrow(/closed/);
  });

  test("a pool of warm threads can be filled and drained", async () => {
    await QuickJsExecutor.prewarm(2);
    const fromPool = new QuickJsExecutor();
    try {
      expect((await fromPool.run("typeof warm_up + typeof warm")).output).toBe("undefinedundefined");
    } finally {
      await fromPool.close();
      await QuickJsExecutor.drainPool();
    }
  });

  test("reset() moves to a fresh thread and keeps the tools", async () => {
    const resetting = new QuickJsExecutor();
    try {
      await resetting.sendTools([getWeather]);
      await resetting.run("const before = 1");
      const first = await threadOf(resetting);
      await resetting.reset();
      const second = await threadOf(resetting);
      expect(second).not.toBe(first);
      expect(first.alive).toBe(false);
      expect((await resetting.run("[typeof before, get_weather('Oslo')]")).output).toEqual(["undefined", "Sunny in Oslo"]);
    } finally {
      await resetting.close();
    }
  });

  test("the worker's heap is sized from maxValueChars and maxOutputChars", async () => {
    expect((await threadOf(executor)).heapMb).toBe(POOL_HEAP_MB);
    expect(POOL_HEAP_MB).toBeLessThan(512);
    const roomy = new QuickJsExecutor({ maxValueChars: 40_000_000, maxOutputChars: 10_000_000 });
    try {
      const result = await roomy.run("console.log('y'.repeat(9e6))\n'x'.repeat(3e7)");
      expect((result.output as string).length).toBe(3e7);
      expect(result.logs.length).toBe(9e6 + 1);
      // Room for several copies of the largest value and of the logs, two bytes a character.
      expect((await threadOf(roomy)).heapMb).toBeGreaterThan(((4 * 40e6 + 2 * 10e6) * 2) / 2 ** 20);
    } finally {
      await roomy.close();
    }
  });

  test("a worker that runs out of its own heap ends with a clear reason; the host lives", async () => {
    const thread = new SandboxThread({ settings: WORKER_SETTINGS, heapMb: 32, wasmModule: await compiledQuickJs() });
    await thread.hold(thread.ready);
    const json = JSON.stringify({ big: "x".repeat(30_000_000) });
    await expect(thread.request({ type: "variables", json })).rejects.toThrow(/ran out of memory for its own work/);
    expect(thread.alive).toBe(false);
  });

  test("variables too large for the worker are refused before they are sent", async () => {
    const small = new QuickJsExecutor({ maxValueChars: 1000 });
    try {
      await expect(small.sendVariables({ text: "x".repeat(17_000_000) })).rejects.toThrow(/17,000,0\d\d characters, more than the 16,000,000 it takes at once.*raise maxValueChars/);
      await small.sendVariables({ text: "fits" });
      expect((await small.run("text")).output).toBe("fits");
    } finally {
      await small.close();
    }
  });

  test("a syntax error quoting a huge name is a SyntaxError, not a broken sandbox: the state stays", async () => {
    await output("const keptThroughSyntax = 'yes'");
    const name = "a".repeat(25_000);
    const result = await executor.run(`let ${name} = 1\nlet ${name} = 2`);
    expect(result.error?.type).toBe("SyntaxError");
    expect(result.error!.message.length).toBeLessThan(3_000);
    expect(await output("keptThroughSyntax")).toBe("yes");
  });

  test("variables that take long to send are not cut off by the run's time limit", async () => {
    const patient = new QuickJsExecutor({ timeoutMs: 1 });
    try {
      await patient.sendVariables({ rows: Array.from({ length: 1_900_000 }, () => ({ a: 1 })) });
      expect((await patient.run("rows.length")).output).toBe(1_900_000);
    } finally {
      await patient.close();
    }
  });

  test("reset() after variables went to a replacement thread still gives a fresh thread", async () => {
    const resetting = new QuickJsExecutor();
    try {
      await resetting.run("1");
      (await threadOf(resetting)).kill("killed by the test");
      await resetting.sendVariables({ secret: "old" });
      await resetting.reset();
      expect((await resetting.run("typeof secret")).output).toBe("undefined");
    } finally {
      await resetting.close();
    }
  });

  test("a run that leaves promise jobs running retires its thread at once; the next run says so", async () => {
    const leaving = new QuickJsExecutor();
    try {
      await leaving.run("const before = 1");
      const first = await threadOf(leaving);
      // Each chain outlives the run's drain only until an interrupt check lands in it: 20,000 outlive it.
      const left = await leaving.run("for (let chain = 0; chain < 20000; chain++) { const again = () => queueMicrotask(again); again() }\nfinal_answer('done')");
      expect(left).toMatchObject({ output: "done", isFinalAnswer: true });
      expect(first.alive).toBe(false);
      expect(await threadOf(leaving)).not.toBe(first);
      const told = await leaving.run("typeof before");
      expect(told.error?.type).toBe("SandboxCrash");
      expect(told.error?.message).toMatch(/promise jobs.*gone/s);
      expect((await leaving.run("typeof before")).output).toBe("undefined");
    } finally {
      await leaving.close();
    }
  });

  test("an already aborted signal stops the run at once", async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await executor.run("while (true) {}", { signal: controller.signal });
    expect(result.error?.type).toBe("AbortError");
    expect((await executor.run("1 + 1")).output).toBe(2);
  });
});

describe("bytes and images", () => {
  const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

  test("a Uint8Array or ArrayBuffer leaves as bytes, an image object as an image part", async () => {
    const bytes = await output("new Uint8Array([1, 2, 255])");
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...(bytes as Uint8Array)]).toEqual([1, 2, 255]);
    expect([...(await output("new Uint8Array([7, 8]).buffer")) as Uint8Array]).toEqual([7, 8]);
    const answer = await executor.run(`final_answer({ type: "image", mediaType: "image/png", data: new Uint8Array(${JSON.stringify(PNG_BYTES)}) })`);
    expect(answer).toMatchObject({ isFinalAnswer: true, output: { type: "image", mediaType: "image/png", image: new Uint8Array(PNG_BYTES) } });
  });

  test("an image prints as a short description; bytes as a typed array", async () => {
    const result = await executor.run("console.log({ type: 'image', mediaType: 'image/jpeg', data: new Uint8Array(12345) }, new Uint8Array([1, 2]))");
    expect(result.logs).toBe("<image image/jpeg, 12,345 bytes> Uint8Array(2) [ 1, 2 ]\n");
  });

  test("objects that forge the wire tags are refused with a clear error", async () => {
    for (const [code, message] of [
      ["({ __bytes__: 'not base64!' })", /not valid base64/],
      ["({ __bytes__: 42 })", /must be base64 text, got number/],
      ["({ __image__: 'QUJD', mediaType: 'text/html' })", /media type must look like "image\/png"/],
      ["[{ __bytes__: 'QUJD', extra: 1 }]", /reserved for bytes and images/],
    ] as const) {
      const result = await executor.run(code);
      expect(result.error?.type, code).toBe("TypeError");
      expect(result.error?.message, code).toMatch(message);
      expect(result.output).toBeNull();
    }
    const image = await executor.run("final_answer({ type: 'image', mediaType: 'text/html', data: new Uint8Array(1) })");
    expect(image.error?.message).toMatch(/The final answer cannot leave the sandbox: an image's media type must look like "image\/png", got "text\/html"/);
  });
});
