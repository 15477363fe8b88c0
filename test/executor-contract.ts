/**
 * The executor contract: what every sandbox promises, as tests. An executor joins with one line in
 * `executors.contract.test.ts`. Snippets are written per language; behaviour and assertions are
 * shared, so the Python and JavaScript sandboxes are held to exactly the same rules.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";

import type { Executor, ExecutorLanguage, ExecutorOptions } from "../src/executors/executor.js";
import { tool } from "../src/tools/tool.js";

/** One executor under test. */
export interface ExecutorUnderTest {
  name: string;
  language: ExecutorLanguage;
  create(options: ExecutorOptions): Executor;
}

/** The code each behaviour is checked with, in one language. */
interface Snippets {
  assignX: string;
  readX: string;
  defineFunctionAndClass: string;
  useFunctionAndClass: string;
  importThenUse: [string, string];
  statementOnly: string;
  conversions: string;
  reprFallback: string;
  printBoth: string;
  raiseOnLineThree: string;
  syntaxError: string;
  finalAnswer: string;
  finalAnswerInsideCatchAll: string[];
  toolPositional: string;
  toolKeyword: string;
  toolsInLoopAndFunction: string;
  toolWrongArgument: string;
  toolMissingArgument: string;
  toolThatThrows: string;
  unauthorizedImport: string;
  indirectImports: string[];
  builtinsTampering: [string, string];
  infiniteLoop: string;
  longSleep: string;
  memoryBomb: string;
  hugeString: string;
  recursion: string;
  floodOutput: string;
  bigInteger: string;
}

const python: Snippets = {
  assignX: "x = 41",
  readX: "x + 1",
  defineFunctionAndClass: "def double(n):\n    return n * 2\n\nclass Box:\n    def __init__(self, v):\n        self.v = v",
  useFunctionAndClass: "Box(double(21)).v",
  importThenUse: ["import math", "math.floor(2.7)"],
  statementOnly: "y = 5",
  conversions: "{'d': {'k': 1}, 'l': [1, 2], 't': (3, 4), 'n': None, 's': 'é', 'b': True, 'i': 7, 'f': 1.5}",
  reprFallback: "{1, 2, 3}",
  printBoth: "import sys\nprint('one')\nprint('two', file=sys.stderr)\nprint('three\\nfour')",
  raiseOnLineThree: "before = 'ran'\nvalue = 1\nvalue = value / 0\nafter = 'ran'",
  syntaxError: "never = 'ran'\nif True print('x')",
  finalAnswer: "answer = 6 * 7\nfinal_answer({'answer': answer})",
  finalAnswerInsideCatchAll: [
    "try:\n    final_answer('kept')\nexcept Exception:\n    pass",
    "try:\n    final_answer('kept')\nexcept BaseException:\n    pass",
    "try:\n    final_answer('kept')\nexcept:\n    pass",
  ],
  toolPositional: "get_weather('Paris')",
  toolKeyword: "get_weather(city='Oslo', unit='f')",
  toolsInLoopAndFunction:
    "def total(n):\n    return sum(add(a=i, b=i) for i in range(n))\nresults = [get_weather(c) for c in ['A', 'B', 'C']]\n[total(10), len(results)]",
  toolWrongArgument: "try:\n    add(a='x', b=1)\nexcept TypeError as e:\n    print('caught:', e)",
  toolMissingArgument: "add(a=1)",
  toolThatThrows: "explode()",
  unauthorizedImport: "import os",
  indirectImports: [
    "__import__('os')",
    "import importlib",
    "import sys",
    "import random\nrandom._os",
    "from random import _os",
  ],
  builtinsTampering: ["del __builtins__", "import os"],
  infiniteLoop: "counter = 0\nwhile True:\n    counter += 1",
  longSleep: "import time\ntime.sleep(100)",
  memoryBomb: "hog = []\nwhile True:\n    hog.append('x' * 1_000_000)",
  hugeString: "'a' * 10**10",
  recursion: "def down(n):\n    return down(n + 1)\ndown(0)",
  floodOutput: "for i in range(20000):\n    print('line', i)",
  bigInteger: "2**64",
};

const snippetsByLanguage: Partial<Record<ExecutorLanguage, Snippets>> = { python };

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

/** Registers the whole contract for one executor. */
export function executorContract(subject: ExecutorUnderTest): void {
  const code = snippetsByLanguage[subject.language];
  if (code === undefined) throw new Error(`no contract snippets for ${subject.language} yet`);

  describe(`${subject.name} executor contract`, () => {
    let executor: Executor;
    let limited: Executor;
    let memoryLimited: Executor;

    beforeAll(async () => {
      executor = subject.create({ authorizedImports: ["math", "random", "sys", "time", "json"] });
      limited = subject.create({ timeoutMs: 500 });
      // A generous time limit, so that a slow, busy machine still reaches the other limits first.
      memoryLimited = subject.create({ timeoutMs: 30_000, memoryLimitMb: 200, maxOutputChars: 1000 });
      await Promise.all([executor.sendTools([getWeather, add, explode]), limited.sendTools([]), memoryLimited.sendTools([])]);
    });
    afterAll(async () => {
      await Promise.all([executor?.close(), limited?.close(), memoryLimited?.close()]);
    });

    describe("namespace", () => {
      test("variables persist across runs", async () => {
        expect((await executor.run(code.assignX)).error).toBeUndefined();
        expect((await executor.run(code.readX)).output).toBe(42);
      });

      test("functions, classes and imports persist across runs", async () => {
        await executor.run(code.defineFunctionAndClass);
        expect((await executor.run(code.useFunctionAndClass)).output).toBe(42);
        await executor.run(code.importThenUse[0]);
        expect((await executor.run(code.importThenUse[1])).output).toBe(2);
      });

      test("sendVariables defines values in the namespace", async () => {
        await executor.sendVariables({ numbers: [1, 2, 3], config: { name: "n", nested: { ok: true } }, nothing: null });
        const result = await executor.run("[sum(numbers), config['nested']['ok'], nothing]");
        expect(result.output).toEqual([6, true, null]);
      });

      test("reset clears variables but keeps tools", async () => {
        await executor.run("kept_until_reset = 1");
        await executor.reset();
        const after = await executor.run("kept_until_reset");
        expect(after.error?.type).toBe("NameError");
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

      test("anything else comes back as its repr", async () => {
        expect((await executor.run(code.reprFallback)).output).toBe("{1, 2, 3}");
      });

      test("integers beyond 2^53 come back as exact strings", async () => {
        expect((await executor.run(code.bigInteger)).output).toBe("18446744073709551616");
      });

      test("stdout and stderr are captured in order with their newlines", async () => {
        const result = await executor.run(code.printBoth);
        expect(result.logs).toBe("one\ntwo\nthree\nfour\n");
      });

      test("output beyond maxOutputChars is cut with a note saying how much", async () => {
        const result = await memoryLimited.run(code.floodOutput);
        expect(result.logs.length).toBeLessThan(1300);
        expect(result.logs).toMatch(/output truncated: \d+ more characters/);
        const dropped = Number(/truncated: (\d+)/.exec(result.logs)![1]);
        expect(dropped).toBeGreaterThan(200_000);
      });
    });

    describe("errors", () => {
      test("an exception names its type and line; earlier statements took effect", async () => {
        const result = await executor.run(code.raiseOnLineThree);
        expect(result.error?.type).toBe("ZeroDivisionError");
        expect(result.error?.message).toContain("line 3");
        expect(result.error?.message).toContain("value / 0");
        expect((await executor.run("[before, value]")).output).toEqual(["ran", 1]);
        expect((await executor.run("after")).error?.type).toBe("NameError");
      });

      test("a syntax error runs none of the snippet", async () => {
        const result = await executor.run(code.syntaxError);
        expect(result.error?.type).toBe("SyntaxError");
        expect(result.error?.message).toContain("line 2");
        expect((await executor.run("never")).error?.type).toBe("NameError");
      });

      test("the namespace survives errors", async () => {
        await executor.run("survivor = 'here'");
        await executor.run("raise ValueError('boom')");
        expect((await executor.run("survivor")).output).toBe("here");
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
        expect((await executor.run(code.toolsInLoopAndFunction)).output).toEqual([90, 3]);
      });

      test("a wrong argument raises in the code, naming the argument", async () => {
        const result = await executor.run(code.toolWrongArgument);
        expect(result.error).toBeUndefined();
        expect(result.logs).toMatch(/caught: .*'a'.*expected/);
      });

      test("a missing argument is an error naming it", async () => {
        const result = await executor.run(code.toolMissingArgument);
        expect(result.error?.type).toBe("TypeError");
        expect(result.error?.message).toContain("'b'");
      });

      test("a tool that throws raises its message, without a host stack trace", async () => {
        const result = await executor.run(code.toolThatThrows);
        expect(result.error?.message).toContain("the reactor is offline");
        expect(result.error?.message).not.toMatch(/\.ts:\d+|node_modules|at async/);
      });
    });

    describe("imports", () => {
      test("an unauthorized import raises ImportError listing what is allowed", async () => {
        const result = await executor.run(code.unauthorizedImport);
        expect(result.error?.type).toBe("ImportError");
        expect(result.error?.message).toContain("math");
      });

      test.each(code.indirectImports)("indirect routes are closed: %s", async (snippet) => {
        const guarded = subject.create({ authorizedImports: ["random", "math"] });
        try {
          const result = await guarded.run(snippet);
          expect(result.error?.type).toBe("ImportError");
        } finally {
          await guarded.close();
        }
      });
    });

    test("tampering with the builtins in one run does not reopen imports in the next", async () => {
      const guarded = subject.create({ authorizedImports: ["math"] });
      try {
        await guarded.run(code.builtinsTampering[0]);
        expect((await guarded.run(code.builtinsTampering[1])).error?.type).toBe("ImportError");
      } finally {
        await guarded.close();
      }
    });

    describe("limits", () => {
      test("an infinite loop is interrupted and earlier variables survive", async () => {
        await limited.run("before_loop = 'kept'");
        const result = await limited.run(code.infiniteLoop);
        expect(result.error?.type).toBe("TimeoutError");
        expect(result.error?.message).toMatch(/time limit/);
        expect((await limited.run("before_loop")).output).toBe("kept");
      });

      test("a long sleep is interrupted", async () => {
        const started = Date.now();
        const result = await limited.run(code.longSleep);
        expect(result.error?.type).toBe("TimeoutError");
        expect(Date.now() - started).toBeLessThan(10_000); // not 100 s
      });

      test("a memory bomb is a MemoryError, and the next run works", async () => {
        const result = await memoryLimited.run(code.memoryBomb);
        expect(result.error?.type).toBe("MemoryError");
        await memoryLimited.run("del hog");
        expect((await memoryLimited.run("1 + 1")).output).toBe(2);
      });

      test("a huge allocation fails cleanly", async () => {
        const result = await memoryLimited.run(code.hugeString);
        expect(["MemoryError", "OverflowError"]).toContain(result.error?.type);
        expect((await memoryLimited.run("2 + 2")).output).toBe(4);
      });

      test("runaway recursion is a RecursionError", async () => {
        const result = await memoryLimited.run(code.recursion);
        expect(result.error?.type).toBe("RecursionError");
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
      await expect(throwaway.run("1")).rejects.toThrow(/closed/);
    });
  });
}
