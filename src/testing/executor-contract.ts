/**
 * The executor contract: what every sandbox promises, as Vitest tests. A built-in executor joins
 * with one line in `test/executors.contract.test.ts`; a sandbox of your own calls
 * `executorContract(...)` from a test file of its own (`codeagent/testing/contract`). The code is written
 * per language (`contract/*-profile.ts`); behaviour and assertions are shared, so every sandbox is
 * held to exactly the same rules.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";

import { AgentConfigurationError } from "../errors.js";
import type { CodeOutput, Executor, ExecutorLanguage, ExecutorOptions } from "../executors/executor.js";
import { tool } from "../tools/tool.js";
import type { Behaviour, FailingSnippet, LanguageProfile } from "./contract/language-profile.js";

/** One executor under test. */
export interface ExecutorUnderTest {
  name: string;
  language: ExecutorLanguage;
  profile: LanguageProfile;
  create(options: ExecutorOptions): Executor;
  /**
   * Behaviours the executor does not support. Each still runs: the executor must fail with an
   * error whose message matches the pattern (naming the missing feature and what to use instead).
   */
  unsupported?: Partial<Record<Behaviour, RegExp>>;
}

const getWeather = tool({
  name: "get_weather",
  description: "Current weather for a city.",
  inputSchema: z.object({ city: z.string(), unit: z.enum(["c", "f"]).default("c") }),
  execute: async ({ city, unit }) => `Sunny in ${city}, 21°${unit.toUpperCase()}`,
});
const add = tool({
  name: "add",
  description: "Adds two numbers.",
  inputSchema: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
});
const explode = tool({
  name: "explode",
  description: "Always fails.",
  inputSchema: z.object({}),
  execute: async () => {
    throw new Error("the reactor is offline");
  },
});

/** Returns more JSON than the default `maxValueChars` (1,000,000) lets into the sandbox. */
const flood = tool({
  name: "flood",
  description: "Returns a huge text.",
  inputSchema: z.object({}),
  execute: () => "x".repeat(1_100_000),
});

/** Waits 0.8 s on the host, as a slow tool does; the run waits with it. */
const pause = tool({
  name: "pause",
  description: "Waits a moment.",
  inputSchema: z.object({}),
  execute: () => new Promise<string>((resolve) => setTimeout(() => resolve("slept"), 800)),
});
/** The same in every language: a call of the pause tool, whose value is the run's value. */
const PAUSE = "pause()";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** What echo_bytes was called with. */
const echoed: unknown[] = [];
const echoBytes = tool({
  name: "echo_bytes",
  description: "Returns the bytes it is given, and a picture.",
  inputSchema: z.object({ data: z.instanceof(Uint8Array) }),
  execute: ({ data }) => {
    echoed.push(data);
    return { data: Buffer.from(data), picture: { type: "image" as const, image: PNG, mediaType: "image/png" } };
  },
});

/** Registers the whole contract for one executor. */
export function executorContract(subject: ExecutorUnderTest): void {
  const code = subject.profile;
  const unsupported = subject.unsupported ?? {};

  /**
   * Runs the snippet of `behaviour`; for an unsupported behaviour, checks the clear error instead
   * and returns undefined, so the test stops there.
   */
  async function attempt(target: Executor, behaviour: Behaviour, snippet: string, options?: Parameters<Executor["run"]>[1]): Promise<CodeOutput | undefined> {
    const result = await target.run(snippet, options);
    const pattern = unsupported[behaviour];
    if (pattern === undefined) return result;
    expect(result.error, `${behaviour} is declared unsupported, so it must fail clearly`).toBeDefined();
    expect(result.error!.message).toMatch(pattern);
    return undefined;
  }

  function expectFailure(result: CodeOutput | undefined, failing: FailingSnippet): void {
    if (result === undefined) return;
    expect(failing.errorTypes).toContain(result.error?.type);
  }

  describe(`${subject.name} executor contract`, () => {
    let executor: Executor;
    let limited: Executor;
    let roomy: Executor;

    beforeAll(async () => {
      executor = subject.create({ authorizedImports: ["math", "random", "sys", "time", "json"] });
      limited = subject.create({ timeoutMs: 500 });
      // A generous time limit, so that a slow, busy machine still reaches the other limits first.
      roomy = subject.create({ timeoutMs: 30_000, memoryLimitMb: 200, maxOutputChars: 1000 });
      await Promise.all([executor.sendTools([getWeather, add, explode, echoBytes, pause, flood]), limited.sendTools([]), roomy.sendTools([])]);
    });
    afterAll(async () => {
      await Promise.all([executor?.close(), limited?.close(), roomy?.close()]);
    });

    describe("namespace", () => {
      test("variables persist across runs", async () => {
        expect((await executor.run(code.assignX)).error).toBeUndefined();
        expect((await executor.run(code.readX)).output).toBe(42);
      });

      test("functions persist across runs", async () => {
        if ((await attempt(executor, "defineFunction", code.defineFunction)) === undefined) return;
        expect((await executor.run(code.useFunction)).output).toBe(42);
      });

      test("classes persist across runs", async () => {
        if ((await attempt(executor, "defineClass", code.defineClass)) === undefined) return;
        expect((await executor.run(code.useClass)).output).toBe(42);
      });

      test("imports persist across runs", async () => {
        if ((await attempt(executor, "importThenUse", code.importThenUse[0])) === undefined) return;
        expect((await executor.run(code.importThenUse[1])).output).toBe(2);
      });

      test("sendVariables defines values in the namespace", async () => {
        await executor.sendVariables({ numbers: [1, 2, 3], config: { name: "n", nested: { ok: true } }, nothing: null });
        expect((await executor.run(code.readName("numbers"))).output).toEqual([1, 2, 3]);
        expect((await executor.run(code.readName("config"))).output).toEqual({ name: "n", nested: { ok: true } });
        expect((await executor.run(code.readName("nothing"))).output).toBeNull();
      });

      test("reset clears variables but keeps tools", async () => {
        await executor.run(code.assignName("kept_until_reset", "1"));
        await executor.reset();
        expect((await executor.run(code.readName("kept_until_reset"))).error?.type).toBe(code.undefinedNameError);
        expect((await executor.run(code.toolPositional)).output).toBe("Sunny in Paris, 21°C");
      });
    });

    describe("output and logs", () => {
      test("a statement has no output", async () => {
        expect((await executor.run(code.statementOnly)).output).toBeNull();
      });

      test("values convert to plain JSON-like values", async () => {
        const result = await executor.run(code.conversions);
        expect(result.output).toEqual({ d: { k: 1 }, l: [1, 2], t: [3, 4], n: null, s: "é", b: true, i: 7, f: 1.5 });
      });

      test("anything else comes back as its text form", async () => {
        const result = await attempt(executor, "reprFallback", code.reprFallback.code);
        if (result) expect(result.output).toBe(code.reprFallback.output);
      });

      test("integers beyond 2^53 come back as exact strings", async () => {
        const result = await attempt(executor, "bigInteger", code.bigInteger);
        if (result) expect(result.output).toBe("18446744073709551616");
      });

      test("stdout and stderr are captured in order with their newlines", async () => {
        const result = await attempt(executor, "printBoth", code.printBoth.code);
        if (result) expect(result.logs).toBe(code.printBoth.logs);
      });

      test("output beyond maxOutputChars is cut with a note saying how much", async () => {
        const result = await roomy.run(code.floodOutput);
        expect(result.logs.length).toBeLessThan(1300);
        expect(result.logs).toMatch(/output truncated: \d+ more characters/);
        const dropped = Number(/truncated: (\d+)/.exec(result.logs)![1]);
        expect(dropped).toBeGreaterThan(200_000);
      });
    });

    describe("errors", () => {
      test("an exception names its type and line; earlier statements took effect", async () => {
        const result = await executor.run(code.raiseOnLineThree.code);
        expectFailure(result, code.raiseOnLineThree);
        expect(result.error?.message).toContain("line 3");
        expect(result.error?.message).toContain(code.raiseOnLineThree.lineText);
        expect((await executor.run(code.readBeforeAndValue)).output).toEqual(["ran", 1]);
        expect((await executor.run(code.readName("after"))).error?.type).toBe(code.undefinedNameError);
      });

      test("a syntax error runs none of the snippet", async () => {
        const result = await executor.run(code.syntaxError);
        expect(result.error?.type).toBe("SyntaxError");
        expect(result.error?.message).toContain("line 2");
        expect((await executor.run(code.readName("never"))).error?.type).toBe(code.undefinedNameError);
      });

      test("the namespace survives errors", async () => {
        await executor.run(code.assignName("survivor", "'here'"));
        await executor.run(code.raiseValueError);
        expect((await executor.run(code.readName("survivor"))).output).toBe("here");
      });
    });

    describe("final_answer", () => {
      test("ends the run with the value", async () => {
        const result = await executor.run(code.finalAnswer);
        expect(result).toMatchObject({ isFinalAnswer: true, output: { answer: 42 } });
      });

      test.each(code.finalAnswerInsideCatchAll)("cannot be swallowed by a catch-all: %s", async (snippet) => {
        const result = await executor.run(snippet);
        expect(result).toMatchObject({ isFinalAnswer: true, output: "kept" });
      });
    });

    describe("tools", () => {
      test("positional and keyword calls", async () => {
        expect((await executor.run(code.toolPositional)).output).toBe("Sunny in Paris, 21°C");
        expect((await executor.run(code.toolKeyword)).output).toBe("Sunny in Oslo, 21°F");
      });

      test("many calls per snippet, in loops and nested functions", async () => {
        const result = await attempt(executor, "toolsInLoopAndFunction", code.toolsInLoopAndFunction);
        if (result) expect(result.output).toEqual([90, 3]);
      });

      test("a wrong argument raises in the code, naming the argument", async () => {
        const result = await executor.run(code.toolWrongArgument);
        expect(result.error).toBeUndefined();
        expect(result.logs).toMatch(/caught: .*'a'.*expected/);
      });

      test("a missing argument is an error naming it", async () => {
        const result = await executor.run(code.toolMissingArgument.code);
        expectFailure(result, code.toolMissingArgument);
        expect(result.error?.message).toContain("'b'");
      });

      test("a tool that throws raises its message, without a host stack trace", async () => {
        const result = await executor.run(code.toolThatThrows);
        expect(result.error?.message).toContain("the reactor is offline");
        expect(result.error?.message).not.toMatch(/\.ts:\d+|node_modules|at async/);
      });

      test("a tool's result over maxValueChars never enters: the same error as a value too large to leave", async () => {
        const result = await executor.run("flood()");
        expectFailure(result, code.hugeBytes);
        expect(result.error?.message).toMatch(/flood\(\)'s result is 1,100,002 characters.*maxValueChars: 1,000,000/s);
      });
    });

    describe("bytes and images", () => {
      test("cross both ways: bytes to a tool, bytes and an image back, an image made by the code", async () => {
        echoed.length = 0;
        const result = await executor.run(code.bytesThroughTool);
        expect(result.error).toBeUndefined();
        expect(echoed).toEqual([new Uint8Array([1, 2, 3])]);
        expect(result.output).toEqual([true, [1, 2, 3], "image", "image/png", true, { type: "image", image: PNG, mediaType: "image/png" }]);
        const made = await executor.run(code.imageFromCode);
        expect(made.output).toEqual({ type: "image", image: PNG.slice(0, 4), mediaType: "image/png" });
      });

      test("bytes sent as a variable arrive as bytes", async () => {
        await executor.sendVariables({ payload: new Uint8Array([9, 8, 7]) });
        expect((await executor.run(code.readBytesVariable)).output).toEqual([true, 3, 9]);
      });

      test("bytes count against maxValueChars by their base64 text", async () => {
        const result = await executor.run(code.hugeBytes.code);
        expectFailure(result, code.hugeBytes);
        expect(result.error?.message).toMatch(/1,200,01\d characters.*maxValueChars/s);
      });

      test("a value forging the bytes tag is refused with a clear error, leaving the sandbox or going to a tool", async () => {
        const result = await executor.run(code.forgedBytesTag);
        expect(result.error?.type).toBe("TypeError");
        expect(result.error?.message).toMatch(/cannot leave the sandbox: bytes is not valid base64 text/);
        echoed.length = 0;
        const toTool = await executor.run(code.forgedBytesTagToTool.code);
        expectFailure(toTool, code.forgedBytesTagToTool);
        expect(toTool.error?.message).toMatch(/echo_bytes\(\) got an argument that cannot be read: bytes is not valid base64 text/);
        expect(echoed).toEqual([]);
      });
    });

    describe("imports", () => {
      test("an unauthorized import fails, saying what is allowed", async () => {
        const result = await executor.run(code.unauthorizedImport.code);
        expectFailure(result, code.unauthorizedImport);
        if (subject.language === "python") expect(result.error?.message).toContain("math");
      });

      test.each(code.indirectImports.codes)("indirect routes are closed: %s", async (snippet) => {
        const guarded = subject.create({ authorizedImports: ["random", "math"] });
        try {
          expectFailure(await guarded.run(snippet), { code: snippet, errorTypes: code.indirectImports.errorTypes });
        } finally {
          await guarded.close();
        }
      });

      test("tampering with the builtins in one run does not reopen imports in the next", async () => {
        const guarded = subject.create({ authorizedImports: ["math"] });
        try {
          const [tamper, importAttempt] = code.builtinsTampering.codes;
          await guarded.run(tamper);
          expectFailure(await guarded.run(importAttempt), { code: importAttempt, errorTypes: code.builtinsTampering.errorTypes });
        } finally {
          await guarded.close();
        }
      });
    });

    describe("limits", () => {
      test("an infinite loop is interrupted and earlier variables survive", async () => {
        await limited.run(code.assignName("before_loop", "'kept'"));
        const result = await limited.run(code.infiniteLoop);
        expect(result.error?.type).toBe("TimeoutError");
        expect(result.error?.message).toMatch(/time limit/);
        expect((await limited.run(code.readName("before_loop"))).output).toBe("kept");
      });

      test("a long sleep is interrupted", async () => {
        const started = Date.now();
        const result = await attempt(limited, "longSleep", code.longSleep);
        if (result === undefined) return;
        expect(result.error?.type).toBe("TimeoutError");
        expect(Date.now() - started).toBeLessThan(10_000); // not 100 s
      });

      test("a memory bomb is a clear memory error, and the next run works", async () => {
        expectFailure(await roomy.run(code.memoryBomb.code), code.memoryBomb);
        await roomy.run(code.releaseMemoryBomb);
        expect((await roomy.run(code.onePlusOne)).output).toBe(2);
      });

      test("a huge allocation fails cleanly", async () => {
        expectFailure(await roomy.run(code.hugeString.code), code.hugeString);
        expect((await roomy.run(code.twoPlusTwo)).output).toBe(4);
      });

      test("runaway recursion is a clear error", async () => {
        expectFailure(await roomy.run(code.recursion.code), code.recursion);
        expect((await roomy.run(code.onePlusOne)).output).toBe(2);
      });

      test("concurrent runs take turns, each with its whole time limit from when it starts", async () => {
        const started = Date.now();
        const [first, second] = await Promise.all([executor.run(PAUSE, { timeoutMs: 1_500 }), executor.run(PAUSE, { timeoutMs: 1_500 })]);
        expect(first.error).toBeUndefined();
        expect(second.error, "the second run's limit must not start while it waits").toBeUndefined();
        expect([first.output, second.output]).toEqual(["slept", "slept"]);
        expect(Date.now() - started).toBeGreaterThanOrEqual(1_500); // one after the other
      });

      test("variables sent while a run is going on arrive after it, not lost", async () => {
        const [result] = await Promise.all([executor.run(PAUSE), executor.sendVariables({ sent_meanwhile: 5 })]);
        expect(result.output).toBe("slept");
        expect((await executor.run(code.readName("sent_meanwhile"))).output).toBe(5);
      });

      test("a run aborted while it waits for its turn never runs", async () => {
        await executor.run(code.assignName("queued_ran", "0"));
        const controller = new AbortController();
        const first = executor.run(PAUSE);
        const queued = executor.run(code.assignName("queued_ran", "1"), { signal: controller.signal });
        setTimeout(() => controller.abort(), 100);
        const aborted = await queued;
        expect(aborted.error?.type).toBe("AbortError");
        await first;
        expect((await executor.run(code.readName("queued_ran"))).output).toBe(0);
      });

      test("a run's own timeoutMs overrides the executor's", async () => {
        const started = Date.now();
        const result = await roomy.run(code.infiniteLoop, { timeoutMs: 700 });
        expect(result.error?.type).toBe("TimeoutError");
        expect(Date.now() - started).toBeLessThan(15_000); // not the executor's 30 s
      });

      test("an aborted run stops and says so", async () => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const result = await executor.run(code.infiniteLoop, { signal: controller.signal });
        expect(result.error?.type).toBe("AbortError");
      });
    });

    test("a closed executor refuses to run", async () => {
      const throwaway = subject.create({});
      await throwaway.close();
      await expect(throwaway.run(code.onePlusOne)).rejects.toThrow(/closed/);
    });

    describe("limits that are not finite positive numbers are refused up front", () => {
      // NaN from a bad parse, a negative or Infinity would switch a check off or break every run later.
      test.each([
        ["timeoutMs", Number.NaN],
        ["timeoutMs", -1],
        ["timeoutMs", Infinity],
        ["memoryLimitMb", Number.NaN],
        ["memoryLimitMb", 0],
        ["maxValueChars", -5],
        ["maxOutputChars", "100"],
      ])("%s: %s", (option, value) => {
        expect(() => subject.create({ [option]: value } as ExecutorOptions)).toThrow(AgentConfigurationError);
        expect(() => subject.create({ [option]: value } as ExecutorOptions)).toThrow(new RegExp(`${option}.*positive number`));
      });

      test("a run's own time limit is checked too", async () => {
        await expect(executor.run(code.onePlusOne, { timeoutMs: Number.NaN })).rejects.toThrow(AgentConfigurationError);
        expect((await executor.run(code.onePlusOne, { timeoutMs: 5_000 })).output).toBe(2);
      });
    });
  });
}
