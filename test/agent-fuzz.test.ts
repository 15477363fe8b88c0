/**
 * Fuzzes the agent loop: thousands of random and malformed model replies (no code, broken tags,
 * fences of every kind, syntax errors, every kind of exception, tool misuse, huge output, infinite
 * loops, odd final answers, unicode garbage, protocol look-alikes, 100 KB replies) replayed by
 * ScriptedModel into CodeAgents that share one real Pyodide sandbox with a short time limit.
 *
 * Whatever the model writes, a run resolves (never rejects), every reply it consumed is one action
 * step in memory, in order, as the loop is documented to store it, and memory survives JSON.
 *
 * Deterministic: FUZZ_SEED picks the replies and is printed with any failure. FUZZ_RUN=k replays
 * run k alone (the plans are generated in full either way); FUZZ_RUNS changes the number of runs.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";

import { AgentMemory } from "../src/agents/agent-memory.js";
import { CodeAgent } from "../src/agents/code-agent.js";
import type { AgentEvent } from "../src/agents/events.js";
import type { FinalAnswerCheck } from "../src/agents/final-answer-checks.js";
import type { ActionStep, MemoryStep } from "../src/agents/memory-steps.js";
import type { RunResult } from "../src/agents/run-result.js";
import { PyodideExecutor } from "../src/executors/pyodide/pyodide-executor.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { tool, type Tool } from "../src/tools/tool.js";

const SEED = process.env["FUZZ_SEED"] ? Number(process.env["FUZZ_SEED"]) : 0x5eed_c0de;
const RUNS = Number(process.env["FUZZ_RUNS"] ?? 800);
const VERBOSE = process.env["FUZZ_VERBOSE"] === "1";
const ONLY_RUN = process.env["FUZZ_RUN"] === undefined ? undefined : Number(process.env["FUZZ_RUN"]);

/** Short, so infinite loops are cheap; nothing else the grammar writes comes near it. */
const TIMEOUT_MS = 250;
/** Small, so "huge" printed output is well above it without costing time. */
const MAX_OUTPUT_CHARS = 2000;
/** How long one run may take before the watchdog aborts it (and reports it as hung). */
const RUN_WATCHDOG_MS = 30_000;
/** The loop's stop sequences for action steps (default code block tags). */
const STOP_SEQUENCES = ["</code>", "Observation:", "Calling tools:"];

/**
 * Replies that cost wall time are rationed over the whole fuzz, so it stays fast: an infinite loop
 * costs TIMEOUT_MS, a long (100 KB) reply or a huge value some streaming and copying, and a
 * hostile value (which today crashes the sandbox) a sandbox restart.
 */
const BUDGET = { slow: 80, hostile: 12, long: 40, hugeValue: 100 } as const;
/** Code that swallows the interrupt: the sandbox is killed after its grace period and replaced. */
const IGNORES_INTERRUPTS = "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass";
/** How many runs open with IGNORES_INTERRUPTS (each costs about 2.5 s). */
const SANDBOX_KILLS = 2;
type BudgetKey = keyof typeof BUDGET;

// ---------------------------------------------------------------------------------------- random

/** mulberry32: small, fast, and the same on every platform. */
class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A whole number in [low, high]. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    let roll = this.next() * entries.reduce((total, [weight]) => total + weight, 0);
    for (const [weight, item] of entries) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return entries[entries.length - 1]![1];
  }
}

function mixSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2f);
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------- tools

const prices: Record<string, number> = { apple: 1.25, pear: 2, plum: 0.5 };
const fuzzTools: Tool[] = [
  tool({
    name: "get_price",
    description: "Price of one fruit, in euros.",
    inputSchema: z.object({ fruit: z.string().describe("Fruit name") }),
    outputSchema: z.number(),
    execute: ({ fruit }) => {
      const price = prices[fruit];
      if (price === undefined) throw new Error(`unknown fruit '${fruit}'`);
      return price;
    },
  }),
  tool({
    name: "add",
    description: "Adds two numbers.",
    inputSchema: z.object({ a: z.number(), b: z.number() }),
    outputSchema: z.number(),
    execute: ({ a, b }) => a + b,
  }),
  tool({
    name: "lookup",
    description: "Looks a record up by name, optionally filtered by tags.",
    inputSchema: z.object({
      query: z.object({ name: z.string(), tags: z.array(z.string()).optional() }),
      limit: z.number().int().min(1).max(10).default(3),
    }),
    execute: ({ query, limit }) => ({ name: query.name, tags: query.tags ?? [], hits: Array.from({ length: limit }, (_, i) => `${query.name}-${i}`) }),
  }),
  tool({
    name: "make_text",
    description: "A string of n copies of a character (for large results).",
    inputSchema: z.object({ n: z.number().int().min(0).max(1_000_000), char: z.string().default("x") }),
    outputSchema: z.string(),
    execute: ({ n, char }) => char.repeat(n),
  }),
  tool({
    name: "wait_for",
    description: "Waits ms milliseconds, then returns 'done'.",
    inputSchema: z.object({ ms: z.number() }),
    execute: ({ ms }, { signal }) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => resolve("done"), ms);
        signal?.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
      }),
  }),
  tool({
    name: "broken_tool",
    description: "A tool whose result does not match its declared type.",
    inputSchema: z.object({}),
    outputSchema: z.number(),
    execute: () => "not a number" as unknown as number,
  }),
  tool({
    name: "throws_string",
    description: "A tool that throws something that is not an Error.",
    inputSchema: z.object({}),
    execute: () => {
      throw "a plain string"; // eslint-disable-line no-throw-literal
    },
  }),
  tool({ name: "nothing", description: "Returns nothing at all.", inputSchema: z.object({}), execute: () => undefined }),
  // Host values the sandbox bridge is documented to convert (see toJsonText): a bigint, a Map.
  tool({ name: "count_atoms", description: "Atoms in a mole of anything, exactly.", inputSchema: z.object({}), execute: () => 602214076000000000000000n }),
  tool({ name: "inventory", description: "Fruit in stock, by name.", inputSchema: z.object({}), execute: () => new Map([["apple", 3], ["pear", 0]]) }),
];

// ---------------------------------------------------------------------------------------- grammar

/** One scripted model reply. */
interface Reply {
  text: string;
  /** Which grammar productions made it: shown with failures. */
  kind: string;
  /** The code may legitimately take the sandbox down (it ignores interrupts). */
  mayKill?: boolean;
}

interface Body {
  kind: string;
  code: string;
}

type Snippet = string | ((r: Rng) => string);

interface Family {
  name: string;
  weight: number;
  budget?: BudgetKey;
  snippets: Snippet[];
}

const GARBAGE: readonly string[] = [
  "é", "ß", "日本語", "🙂", "👨‍👩‍👧", "\u202e", "\u200b", "\ufeff", "\u2028", "\u0000", "\ud800", "\udfff", "\udc00x",
  "\r\n", "\r", "\n", "\t", "\x1b[31m", "\\", '"', "'", "`", "```", "<", ">", "<code", "code>", "</", "Observation",
  ":", "{", "}", "\ufffd", "e\u0301", "𝕏", "\x7f", "\v", "\f", "%s", "${x}", "{{task}}", "final_answer", "(", ")",
  "Thought", "\u00a0", "\u3000", "null", "NaN", " ", "  ",
];
const WORDS = ["the", "answer", "is", "I", "will", "compute", "price", "of", "apple", "now", "then", "code", "step", "first", "maybe"];

function garbage(r: Rng, pieces: number): string {
  const parts: string[] = [];
  for (let i = 0; i < pieces; i++) parts.push(r.chance(0.5) ? r.pick(GARBAGE) : r.pick(WORDS) + " ");
  return parts.join("");
}

function sentence(r: Rng): string {
  return Array.from({ length: r.int(2, 12) }, () => r.pick(WORDS)).join(" ") + ".";
}

/** A Python string literal for any JS string (JSON escapes are valid Python escapes). */
function pyString(text: string): string {
  return JSON.stringify(text);
}

const FAMILIES: Family[] = [
  {
    name: "valid",
    weight: 14,
    snippets: [
      (r) => `x = ${r.int(-1000, 1000)}\nprint(x * 2)`,
      (r) => `total = sum(range(${r.int(0, 5000)}))\ntotal`,
      "words = ['a', 'b', 'c']\nprint(', '.join(words))\nlen(words)",
      (r) => `import math\nprint(math.sqrt(${r.int(0, 10 ** 6)}))`,
      "counter = globals().get('counter', 0) + 1\nprint('counter', counter)\ncounter",
      (r) => `def square(v):\n    return v * v\n[square(i) for i in range(${r.int(0, 30)})]`,
      "import json\njson.dumps({'k': [1, 2, None]})",
      "print('naïve café', '日本語', '🙂')",
      "for i in range(3):\n    print(i, end=' ')",
      "print()",
      "pass",
      "None",
      "x = 1; y = 2; x + y",
      "import collections\ncollections.Counter('hello')",
      "from datetime import date\ndate(2024, 1, 1)",
      "import re\nre.findall(r'\\d+', 'a1b22c333')",
      "if True:\n    print('yes')\nelse:\n    print('no')",
      "class Point:\n    def __init__(self, x):\n        self.x = x\nPoint(3)",
      "x = [1, 2, 3]\nx.append(4)\nx",
      "{'nested': {'list': [1, (2, 3), {4}]}}",
      "3.5e300 * 10",
      "import random\nrandom.seed(1)\nrandom.random()",
      "print(counter) if 'counter' in dir() else print('no counter yet')",
    ],
  },
  {
    name: "syntax-error",
    weight: 8,
    snippets: [
      "x = (",
      "def f(:\n    pass",
      'print "hello"',
      "if True\n    x = 1",
      "  x = 1\ny = 2",
      "return 5",
      "yield 1",
      "await something()",
      "x ===== 2",
      "s = 'unterminated",
      's = """never closed',
      'f"{"',
      "nonlocal q",
      "class :",
      "1 = x",
      "x = " + "(".repeat(250) + "1" + ")".repeat(250),
      "if x:\n\tpass\n        pass",
      "def f():\n    return\n  x = 1",
      "x = 1 +* 2",
      "else:\n    pass",
      "import",
      "print(1))",
      "x = [1, 2",
      "x = {1: }",
      "try:\n    pass",
      "del 1",
      "x = 1\ny = 2\nz = (3 +\n",
      "lambda: (yield)",
      "@\ndef f(): pass",
      "for in range(3): pass",
      "x = 5 if True",
      "match = 1\nmatch x:\n    case:\n        pass",
    ],
  },
  {
    name: "exception",
    weight: 10,
    snippets: [
      "1 / 0",
      "undefined_name + 1",
      "'a' + 1",
      "int('nope')",
      "{}['missing']",
      "[][5]",
      "None.attribute",
      "def f(n):\n    return f(n + 1)\nf(0)",
      "assert 1 == 2, 'math is broken'",
      "raise StopIteration",
      "raise GeneratorExit",
      "raise BaseException('base')",
      "class MyError(Exception):\n    pass\nraise MyError('custom')",
      "raise SystemExit(3)",
      "exit()",
      "quit()",
      "raise KeyboardInterrupt",
      "print('\\ud800')",
      "import os",
      "import js",
      "import sys",
      "__import__('subprocess')",
      "import pyodide",
      "from . import sibling",
      "x = [0] * 10**9",
      "x = 'a' * 10**10",
      "float(10**400)",
      "raise ValueError('v' * 100000)",
      "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    raise RuntimeError('wrapped') from e",
      "def gen():\n    yield 1\n    raise ValueError('in generator')\nlist(gen())",
      "raise ValueError('ünïcödé \\u2028 message \\x00 nul')",
      "raise Exception(None)",
      "raise Exception()",
      "raise TypeError",
      "open('/etc/passwd').read()",
      "breakpoint()",
      "input('> ')",
      "eval('1 +')",
      "exec('raise ValueError(1)')",
      "compile('x', 'f', 'bogus')",
      "import math\nmath.factorial(-1)",
      "b'\\xff'.decode('utf-8')",
      "'%d' % 'x'",
      "import json\njson.loads('{bad json')",
      "print('x' * 5000)\n1 / 0",
      "print('partial output')\nraise RuntimeError('after printing')",
      "def deep(n):\n    if n == 0:\n        raise LookupError('bottom')\n    deep(n - 1)\ndeep(30)",
      "raise ExceptionGroup('many', [ValueError(1), TypeError(2)])",
      "import time\ntime.sleep(-1)",
      "import time\ntime.sleep('soon')",
    ],
  },
  {
    // Python values the runtime must turn into an error or a repr, never a dead sandbox.
    name: "hostile-value",
    weight: 1.5,
    budget: "hostile",
    snippets: [
      "class Weird(Exception):\n    def __str__(self):\n        raise ValueError('no str for you')\nraise Weird()",
      "class NotText(Exception):\n    def __str__(self):\n        return 42\nraise NotText()",
      "class D(dict):\n    def items(self):\n        raise RuntimeError('no items')\nD(a=1)",
      "class L(list):\n    def __iter__(self):\n        raise RuntimeError('no iteration')\nfinal_answer(L([1, 2]))",
      "final_answer(10**5000)",
      "10**5000",
      "{'big': 7**6000}",
    ],
  },
  {
    name: "tool-ok",
    weight: 6,
    snippets: [
      "p = get_price('apple')\nprint(p)",
      "add(a=1, b=2.5)",
      "add(1, 2)",
      "lookup(query={'name': 'kiwi', 'tags': ['green']})",
      "lookup({'name': 'x'}, limit=5)",
      "s = make_text(n=10)\nlen(s)",
      "[get_price(f) for f in ['apple', 'pear', 'plum']]",
      "nothing()",
      "print(wait_for(ms=1))",
      "inventory()",
      "count_atoms()",
      "total = 0\nfor fruit in ['apple', 'plum']:\n    total = add(total, get_price(fruit))\nprint(total)",
    ],
  },
  {
    name: "tool-misuse",
    weight: 8,
    snippets: [
      "get_price()",
      "get_price(3)",
      "get_price('apple', 'extra')",
      "get_price(fruit='apple', colour='red')",
      "get_price(fruit=None)",
      "get_price('durian')",
      "add('1', 2)",
      "add(1)",
      "add(a=float('nan'), b=1)",
      "add(10**30, 1)",
      "lookup(query='not a dict')",
      "lookup(query={'tags': 'x'})",
      "lookup(query={'name': 'x'}, limit=0)",
      "get_weather('Paris')",
      "search(query='x')",
      "get_price(object())",
      "get_price(lambda: 1)",
      "get_price(**{'fruit': 'apple', '': 1})",
      "get_price(*['apple'] * 3)",
      "broken_tool()",
      "throws_string()",
      "try:\n    get_price(3)\nexcept Exception as error:\n    print('caught:', error)",
      "final_answer(get_price('durian'))",
      "make_text(n=-1)",
      "make_text(n=10**7)",
      "get_price('apple', fruit='pear')",
      "wait_for()",
    ],
  },
  {
    name: "huge-print",
    weight: 4,
    snippets: [
      () => `print('x' * ${MAX_OUTPUT_CHARS + 1})`,
      () => `print('x' * ${MAX_OUTPUT_CHARS * 10})`,
      "print('x' * 300000)",
      "for i in range(3000):\n    print(i)",
      "print('日本' * 5000)",
      "print('a' * 3000, end='')",
      "print('\\n' * 5000)",
      "print('\\r\\n'.join(['line'] * 2000))",
      "print(list(range(20000)))",
    ],
  },
  {
    name: "huge-value",
    weight: 3,
    budget: "hugeValue",
    snippets: [
      "'y' * 300000",
      "list(range(50000))",
      "{str(i): i for i in range(20000)}",
      "make_text(n=300000)",
      "t = make_text(n=200000, char='é')\nt",
      "[[i] * 10 for i in range(5000)]",
      "final_answer('z' * 200000)",
    ],
  },
  {
    name: "slow",
    weight: 3,
    budget: "slow",
    snippets: [
      "while True:\n    pass",
      "import time\ntime.sleep(100)",
      "wait_for(ms=60000)",
      "i = 0\nwhile True:\n    i += 1\n    if i % 1000 == 0:\n        print(i)",
      "for _ in iter(int, 1):\n    pass",
      "def spin():\n    while True:\n        yield\nfor _ in spin():\n    pass",
      "import time\nwhile True:\n    time.sleep(0.01)",
      "print('before the loop')\nwhile True:\n    pass",
      "x = 0\nwhile x >= 0:\n    x += 1",
      "try:\n    while True:\n        pass\nexcept Exception:\n    print('not reached')",
    ],
  },
  {
    name: "final-answer",
    weight: 12,
    snippets: [
      "final_answer(None)",
      "final_answer({'a': {'b': {'c': [1, 2, {'d': None}]}}})",
      "final_answer({1, 2, 3})",
      "final_answer(frozenset())",
      "final_answer(2**53 + 1)",
      "final_answer(10**100)",
      "final_answer(float('nan'))",
      "final_answer(float('-inf'))",
      "final_answer(-0.0)",
      "final_answer(b'\\x00\\xff')",
      "final_answer(3 + 4j)",
      "final_answer('\\x00')",
      "final_answer('\\ud800 lone surrogate')",
      "final_answer('')",
      "final_answer(final_answer)",
      "final_answer(print)",
      "import math\nfinal_answer(math)",
      "l = []\nl.append(l)\nfinal_answer(l)",
      "d = {}\nfor _ in range(200):\n    d = {'k': d}\nfinal_answer(d)",
      "final_answer({(1, 2): 'tuple key', None: 0, 1.5: 'float key', float('nan'): 'nan key'})",
      "class R:\n    def __repr__(self):\n        raise RuntimeError('no repr')\nfinal_answer(R())",
      "def finish():\n    final_answer('from a function')\nfinish()",
      "try:\n    final_answer('caught?')\nexcept:\n    pass",
      "final_answer(1)\nfinal_answer(2)",
      "final_answer(get_price('apple'))",
      "print('done')\nfinal_answer('ok')",
      "final_answer()",
      "final_answer(1, 2)",
      "final_answer = None\nfinal_answer(1)",
      "del final_answer\nfinal_answer(1)",
      "final_answer([None, True, False, 0, -1, 1.5e300])",
      "final_answer(range(5))",
      "final_answer(type)",
      "final_answer(...)",
      "final_answer(counter if 'counter' in dir() else 'no counter')",
      (r) => `final_answer(${pyString(garbage(r, 20))})`,
      "final_answer('reject me')",
      "final_answer(42)",
    ],
  },
  {
    name: "unicode-code",
    weight: 4,
    snippets: [
      (r) => `# ${garbage(r, 10)}\nx = 1`,
      (r) => `s = ${pyString(garbage(r, 30))}\nlen(s)`,
      (r) => `print(${pyString(garbage(r, 30))})`,
      (r) => `${pyString(garbage(r, 15))}`,
      "x = 1\u0000\ny = 2",
      "\ufeffx = 1\nx",
      "x\u200b = 1",
      "ñ = 5\nñ * 2",
      "x = 1\r\ny = 2\r\nprint(x + y)\r\n",
      "x = 1\ry = 2\rprint(x + y)",
      "\ud800 = 1",
      "print('\u2028 line separator inside a literal')",
      "print('tab\there')",
      "s = '\udfff'\nlen(s)",
      "π = 3.14159\nπ * 2",
      "print('\\x00 nul in output')",
      "print('é'.encode('latin-1'))",
    ],
  },
  {
    // The namespace belongs to the model's code: it may break its own names, never the loop.
    name: "poison",
    weight: 2,
    snippets: [
      "final_answer = 5",
      "del final_answer",
      "print = None",
      "get_price = lambda fruit: 0",
      "__builtins__['len'] = None",
      "__name__ = 'not main'",
      "globals()['counter'] = 'not a number'",
      "import json\njson.dumps = None",
    ],
  },
];

function pickFamily(r: Rng, budget: Record<BudgetKey, number>, allowFinal: boolean): Family {
  for (;;) {
    const family = r.weighted(FAMILIES.map((item) => [item.weight, item] as const));
    if (!allowFinal && family.name === "final-answer") continue;
    if (family.budget) {
      if (budget[family.budget] <= 0) continue;
      budget[family.budget]--;
    }
    return family;
  }
}

function codeBody(r: Rng, budget: Record<BudgetKey, number>, allowFinal: boolean): Body {
  const family = pickFamily(r, budget, allowFinal);
  const snippet = r.pick(family.snippets);
  const code = typeof snippet === "string" ? snippet : snippet(r);
  return { kind: family.name, code };
}

const FENCE_OPENERS = ["```py", "```python", "```python3", "```", "```Python", "```js", "```py  ", "``` python", "~~~python", "````python", "```text", "```bash"];

/** Puts code into a reply, well or badly. */
function wrap(r: Rng, body: Body): { text: string; wrapper: string } {
  const thought = r.chance(0.7) ? `Thought: ${sentence(r)}\n` : r.chance(0.5) ? `${garbage(r, r.int(0, 12))}\n` : "";
  const code = body.code;
  const wrapper = r.weighted<string>([
    [30, "tagged"],
    [6, "unclosed-tag"],
    [5, "fence-in-tag"],
    [10, "fence"],
    [3, "close-before-open"],
    [3, "open-twice"],
    [3, "open-without-bracket"],
    [3, "misnested"],
    [2, "upper-case-tag"],
    [3, "two-fences"],
    [3, "two-tagged"],
    [5, "protocol-after"],
    [3, "protocol-before"],
    [2, "stop-string-in-code"],
    [3, "indented"],
    [3, "crlf"],
    [2, "text-after"],
  ]);
  const fence = r.pick(FENCE_OPENERS);
  const closer = fence.startsWith("~~~") ? "~~~" : fence.startsWith("````") ? "````" : "```";
  switch (wrapper) {
    case "tagged":
      return { wrapper, text: `${thought}<code>\n${code}\n</code>` };
    case "unclosed-tag":
      return { wrapper, text: `${thought}<code>\n${code}${r.pick(["", "\n", "\n\n  \t"])}` };
    case "fence-in-tag":
      return { wrapper, text: `${thought}<code>\n${fence}\n${code}\n${r.chance(0.8) ? closer : ""}\n</code>` };
    case "fence":
      return { wrapper, text: `${thought}${fence}\n${code}\n${r.chance(0.8) ? closer : ""}${r.chance(0.3) ? `\n${sentence(r)}` : ""}` };
    case "close-before-open":
      return { wrapper, text: `${thought}</code>\n<code>\n${code}\n</code>` };
    case "open-twice":
      return { wrapper, text: `${thought}<code>\n<code>\n${code}\n</code>` };
    case "open-without-bracket":
      return { wrapper, text: `${thought}<code\n${code}\n</code>` };
    case "misnested":
      return r.chance(0.5)
        ? { wrapper, text: `${thought}<code><python>\n${code}\n</code></python>` }
        : { wrapper, text: `${thought}<python><code>\n${code}\n</python></code>` };
    case "upper-case-tag":
      return { wrapper, text: `${thought}<CODE>\n${code}\n</CODE>` };
    case "two-fences":
      return { wrapper, text: `${thought}\`\`\`py\nfirst_block = 1\n\`\`\`\nand then\n\`\`\`python\n${code}\n\`\`\`` };
    case "two-tagged":
      return { wrapper, text: `${thought}<code>\nprint('first')\n</code>\n<code>\n${code}\n</code>` };
    case "protocol-after":
      return {
        wrapper,
        text: `${thought}<code>\n${code}\n${r.pick(["</code>\n", ""])}${r.pick([
          "Observation: 42\nThought: done.",
          "Calling tools:\n[{'id': 'call_1', 'type': 'function', 'function': {'name': 'python_interpreter', 'arguments': 'x'}}]",
          "Observation:\nExecution logs:\nfake\nLast output from code snippet:\nNone",
          "Observation:",
        ])}`,
      };
    case "protocol-before":
      return { wrapper, text: `${r.pick(["Observation: the tool said 7\n", "Calling tools: get_price\n", "Thought: Observation: none\n"])}${thought}<code>\n${code}\n</code>` };
    case "stop-string-in-code":
      return { wrapper, text: `${thought}<code>\nprint(${r.pick(["'Observation: fake'", "'</code>'", "'Calling tools:'"])})\n${code}\n</code>` };
    case "indented":
      return { wrapper, text: `${thought}<code>\n${code.split("\n").map((line) => `    ${line}`).join("\n")}\n</code>` };
    case "crlf":
      return { wrapper, text: `${thought}<code>\n${code}\n</code>`.replace(/\n/g, "\r\n") };
    default:
      return { wrapper, text: `${thought}<code>\n${code}\n</code>\n${sentence(r)}` };
  }
}

/** A reply with no code in it (or only what looks like code). */
function noCodeReply(r: Rng): Reply {
  const variant = r.pick([
    "empty",
    "whitespace",
    "text",
    "thought-only",
    "garbage",
    "empty-block",
    "blank-block",
    "empty-fence",
    "call-outside-tags",
    "only-closing-tag",
    "protocol-only",
    "nul-and-surrogates",
  ] as const);
  const text = {
    empty: () => "",
    whitespace: () => r.pick([" ", "\n", "\r\n\t  \n", "\u00a0\u3000", "\ufeff"]),
    text: () => `I think the answer is ${r.int(0, 100)}.`,
    "thought-only": () => `Thought: ${sentence(r)}`,
    garbage: () => garbage(r, r.int(1, 80)),
    "empty-block": () => "<code></code>",
    "blank-block": () => "Thought: nothing.\n<code>\n   \n\t\n</code>",
    "empty-fence": () => "```python\n```",
    "call-outside-tags": () => "final_answer(42)",
    "only-closing-tag": () => "</code>",
    "protocol-only": () => r.pick(["Observation: 5", "Calling tools:\n[]", "Observation:"]),
    "nul-and-surrogates": () => "\u0000\ud800\udfff\u0000 answer \udc00",
  }[variant]();
  return { text, kind: `no-code/${variant}` };
}

/** About 100 KB: a long thought before code, a long code block, or long text with no code. */
function longReply(r: Rng, budget: Record<BudgetKey, number>): Reply {
  const variant = r.pick(["long-thought", "long-code", "long-garbage"] as const);
  if (variant === "long-code") {
    const lines = Array.from({ length: 7000 }, (_, i) => `v${i} = ${i}`);
    return { text: `Thought: many lines.\n<code>\n${lines.join("\n")}\nprint(v0 + v6999)\n</code>`, kind: "long/long-code" };
  }
  if (variant === "long-garbage") return { text: garbage(r, 30_000).slice(0, 100_000), kind: "long/long-garbage" };
  const body = codeBody(r, budget, r.chance(0.2));
  return { text: `Thought: ${"let me think about this carefully. ".repeat(3000)}\n<code>\n${body.code}\n</code>`, kind: `long/long-thought/${body.kind}` };
}

const BEST_ANSWERS: readonly ((r: Rng) => string)[] = [
  (r) => `My best answer is ${r.int(0, 100)}.`,
  () => "",
  () => "   \n  ",
  () => "I could not finish: the sandbox kept timing out.",
  () => "Observation: this is not cut, it is the final answer",
  () => "<code>\nfinal_answer('not run')\n</code>",
  () => "Calling tools: none",
  (r) => garbage(r, 40),
  () => "日本語の答え 🙂",
  () => "\u0000nul\u0000 and \ud800",
];

function actionReply(r: Rng, budget: Record<BudgetKey, number>): Reply {
  const roll = r.next();
  if (roll < 0.12) return noCodeReply(r);
  if (roll < 0.145 && budget.long > 0) {
    budget.long--;
    return longReply(r, budget);
  }
  // final_answer only sometimes, so many runs hit maxSteps.
  const body = codeBody(r, budget, r.chance(0.75));
  const { text, wrapper } = wrap(r, body);
  return { text, kind: `${wrapper}/${body.kind}` };
}

// ---------------------------------------------------------------------------------------- plans

type CheckSet = "none" | "reject-none" | "throwing" | "async-reject";

interface RunPlan {
  index: number;
  maxSteps: number;
  /** Runs (tasks) on the same agent, each continuing its memory (`reset: false`). */
  tasks: number;
  /** Action replies, and a plain best answer after every maxSteps of them. */
  script: Reply[];
  streamOutputs: boolean;
  streamChunkSize: number;
  maxObservationChars: number;
  checks: CheckSet;
  /** Drive the agent through `stream()` (checking its events) instead of `run()`. */
  useStream: boolean;
}

function planRuns(seed: number, runs: number, budget: Record<BudgetKey, number> = { ...BUDGET }): RunPlan[] {
  return Array.from({ length: runs }, (_, index) => {
    const r = new Rng(mixSeed(seed, index));
    const maxSteps = r.int(3, 8);
    const tasks = r.chance(0.12) ? 2 : 1;
    const script: Reply[] = [];
    for (let task = 0; task < tasks; task++) {
      for (let step = 0; step < maxSteps; step++) script.push(actionReply(r, budget));
      script.push({ text: r.pick(BEST_ANSWERS)(r), kind: "best-answer" });
    }
    // A few runs, spread over the fuzz, open with code that must get the sandbox killed.
    if (Array.from({ length: SANDBOX_KILLS }, (_, k) => Math.floor(((k + 1) * runs) / (SANDBOX_KILLS + 1))).includes(index)) {
      script[0] = { text: `Thought: spin.\n<code>\n${IGNORES_INTERRUPTS}\n</code>`, kind: "tagged/ignores-interrupts", mayKill: true };
    }
    const long = script.some((reply) => reply.text.length > 50_000);
    return {
      index,
      maxSteps,
      tasks,
      script,
      streamOutputs: r.chance(0.7),
      streamChunkSize: long ? r.int(16, 256) : r.pick([1, 3, 16, 64, 4096]),
      maxObservationChars: r.pick([200, 1000, 20_000]),
      checks: r.weighted<CheckSet>([
        [6, "none"],
        [2, "reject-none"],
        [1, "throwing"],
        [1, "async-reject"],
      ]),
      useStream: r.chance(0.35),
    };
  });
}

function finalAnswerChecks(set: CheckSet): FinalAnswerCheck[] {
  switch (set) {
    case "none":
      return [];
    case "reject-none":
      return [function notNone(answer) {
        return answer !== null || "the answer must not be None";
      }];
    case "throwing":
      return [function noRejectMe(answer) {
        if (typeof answer === "string" && answer.includes("reject")) throw new Error("answers about rejection are rejected");
      }];
    case "async-reject":
      return [async function notFortyTwo(answer) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return answer !== 42;
      }];
  }
}

// ---------------------------------------------------------------------------------------- oracle

/**
 * The reply as the loop stores it: cut before the first stop sequence, and, when that left a
 * code block open (the cut always removes `</code>`), closed again on a line of its own.
 */
function expectedModelOutput(reply: string): string {
  const cut = cutAtStopSequences(reply);
  return cut.includes("<code>") ? `${cut.trimEnd()}\n</code>` : cut;
}

function cutAtStopSequences(reply: string): string {
  let end = reply.length;
  for (const stop of STOP_SEQUENCES) {
    const index = reply.indexOf(stop);
    if (index >= 0 && index < end) end = index;
  }
  return reply.slice(0, end);
}

/**
 * Where `value` is not plain JSON data (so a JSON round trip would change it), or undefined. Bytes
 * are the one exception: memory's toJSON writes them in their tagged form and fromJSON reads them back.
 */
function nonJsonAt(value: unknown, path = "$"): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean" || value instanceof Uint8Array) return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `${path} is ${value}`;
  if (typeof value !== "object") return `${path} is a ${typeof value}${typeof value === "bigint" ? ` (${String(value)}n)` : ""}`;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = item === undefined ? `${path}[${index}] is undefined` : nonJsonAt(item, `${path}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return `${path} is a ${value.constructor?.name ?? "non-plain object"}`;
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue; // an absent optional field
    const found = nonJsonAt(item, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/** The first place where two values differ, as `path: a vs b`, or undefined. JSON has no -0: it equals 0 here. */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (Object.is(a, b) || (a === 0 && b === 0)) return undefined;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return `${path}: ${excerpt(String(a), 60)} vs ${excerpt(String(b), 60)} (${typeof a} vs ${typeof b})`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------- harness

interface Violation {
  run: number;
  invariant: string;
  detail: string;
}

interface Stats {
  runs: number;
  tasks: number;
  repliesScripted: number;
  repliesConsumed: number;
  actionSteps: number;
  success: number;
  maxStepsError: number;
  streamedRuns: number;
  /** Steps after which the sandbox was replaced (it ignored an interrupt, or crashed). */
  sandboxRestarts: number;
  errorTypes: Map<string, number>;
}

function excerpt(text: string, length = 160): string {
  const shown = JSON.stringify(text.length > length ? `${text.slice(0, length)}…` : text);
  return text.length > length ? `${shown} (${text.length} chars)` : shown;
}

/** Removes every name the code defined (tools and final_answer are put back by the runtime each run). */
const CLEAR_NAMESPACE = '[globals().pop(name) for name in list(globals()) if not name.startswith("__")]\nNone';

let executor: PyodideExecutor;
beforeAll(async () => {
  executor = new PyodideExecutor({ timeoutMs: TIMEOUT_MS, maxOutputChars: MAX_OUTPUT_CHARS });
  await executor.start();
});
afterAll(async () => {
  await executor?.close();
  await PyodideExecutor.drainPool();
});

async function fuzzRun(plan: RunPlan, violations: Violation[], stats: Stats): Promise<void> {
  const problem = (invariant: string, detail: string) => violations.push({ run: plan.index, invariant, detail });
  const model = new ScriptedModel(
    plan.script.map((reply) => reply.text),
    { streamChunkSize: plan.streamChunkSize },
  );
  const callbackSteps: MemoryStep[] = [];
  const agent = new CodeAgent({
    model,
    tools: fuzzTools,
    executor,
    maxSteps: plan.maxSteps,
    streamOutputs: plan.streamOutputs,
    maxObservationChars: plan.maxObservationChars,
    finalAnswerChecks: finalAnswerChecks(plan.checks),
    stepCallbacks: [(step) => void callbackSteps.push(step)],
  });
  stats.runs++;
  stats.repliesScripted += plan.script.length;
  if (plan.useStream) stats.streamedRuns++;

  // A fresh agent resets a shared executor, and reset() gives a new sandbox (proved by the test "a
  // fresh agent on a shared executor starts from a fresh namespace"); 800 new sandboxes would make
  // this fuzz of the loop a benchmark of sandbox start-up. So its runs keep one sandbox, and the
  // harness empties the namespace between them instead, lest one run's `print = None` turn every
  // later run's output into the same TypeError.
  const cleared = await executor.run(CLEAR_NAMESPACE);
  if (cleared.error) problem("the namespace is emptied between runs", `${cleared.error.type}: ${cleared.error.message.split("\n")[0]}`);

  let consumed = 0; // replies of the script used so far
  let lastStepNumber = 0;
  for (let task = 0; task < plan.tasks; task++) {
    stats.tasks++;
    const firstReply = consumed;
    const stepsBefore = agent.memory.steps.length;
    const events: AgentEvent[] = [];
    // The agent is new, so its memory starts empty; reset: false keeps the sandbox (see above).
    const options = { reset: false, signal: AbortSignal.timeout(RUN_WATCHDOG_MS) };
    let result: RunResult | undefined;
    try {
      if (plan.useStream) {
        for await (const event of agent.stream(`Fuzz task ${task + 1}.`, options)) events.push(event);
        const finish = events.at(-1);
        result = finish?.type === "run-finish" ? finish.result : undefined;
        if (result === undefined) problem("stream ends with run-finish", `the last event was ${finish?.type}`);
      } else {
        result = await agent.run(`Fuzz task ${task + 1}.`, options);
      }
    } catch (error) {
      const step = agent.memory.steps.filter((item): item is ActionStep => item.type === "action").at(-1);
      const reply = plan.script[model.calls.length - 1];
      problem(
        "run resolves",
        `task ${task + 1} rejected with ${(error as Error)?.name}: ${String((error as Error)?.message ?? error).split("\n").slice(0, 3).join(" | ")}` +
          ` — after ${model.calls.length} model calls; last step ${step?.stepNumber} (${reply?.kind}: ${excerpt(reply?.text ?? "")})`,
      );
      return;
    }
    if (result === undefined) return;

    // Shape of the run: its task, its action steps, its answer.
    const runSteps = agent.memory.steps.slice(stepsBefore);
    if (result.steps.length !== runSteps.length || result.steps.some((step, i) => step !== runSteps[i])) {
      problem("result.steps are this run's memory steps", `${result.steps.length} result steps, ${runSteps.length} new memory steps`);
    }
    const types = runSteps.map((step) => step.type);
    if (types[0] !== "task" || types.at(-1) !== "final-answer" || types.slice(1, -1).some((type) => type !== "action")) {
      problem("a run is task, actions, final-answer", types.join(","));
    }
    if (result.state !== "success" && result.state !== "max_steps_error") problem("state is success or max_steps_error", String(result.state));
    (result.state === "success" ? () => stats.success++ : () => stats.maxStepsError++)();

    // Every consumed reply is one action step, in order, stored as the loop documents.
    const actions = runSteps.filter((step): step is ActionStep => step.type === "action");
    stats.actionSteps += actions.length;
    for (const [i, step] of actions.entries()) {
      const reply = plan.script[consumed++];
      const where = `task ${task + 1} step ${step.stepNumber} (${reply?.kind})`;
      if (reply === undefined) {
        problem("enough scripted replies", `${where}: no reply left`);
        break;
      }
      const outcome = step.error?.type ?? (step.isFinalAnswer ? "final answer" : "ok");
      stats.errorTypes.set(outcome, (stats.errorTypes.get(outcome) ?? 0) + 1);
      if (VERBOSE) console.log(`run ${plan.index} ${where}: ${step.error?.type ?? (step.isFinalAnswer ? "final" : "ok")} ← ${excerpt(reply.text, 100)}`);
      if (step.modelOutput !== expectedModelOutput(reply.text)) {
        problem("modelOutput is the reply cut at stop sequences", `${where}: reply ${excerpt(reply.text)} stored as ${excerpt(step.modelOutput)}`);
      }
      if (step.stepNumber !== lastStepNumber + 1) problem("step numbers are consecutive", `${where}: after ${lastStepNumber}`);
      lastStepNumber = step.stepNumber;
      if (step.error === undefined && step.observations === undefined) problem("a step has an error or observations", where);
      if (step.error !== undefined && (typeof step.error.type !== "string" || step.error.type === "" || typeof step.error.message !== "string")) {
        problem("an error has a type and a message", `${where}: ${JSON.stringify(step.error)}`);
      }
      if ((step.codeAction === undefined) !== (step.error?.type === "AgentParseError")) {
        problem("no code exactly when the reply had none", `${where}: codeAction ${excerpt(step.codeAction ?? "(none)")}, error ${step.error?.type}`);
      }
      if (step.codeAction !== undefined && step.error === undefined && step.observations === undefined) problem("code that ran cleanly has observations", where);
      // Printed output is capped by the sandbox, the last value by maxObservationChars.
      const observationLimit = MAX_OUTPUT_CHARS + plan.maxObservationChars + 400;
      if ((step.observations?.length ?? 0) > observationLimit) {
        problem("observations are capped", `${where}: ${step.observations?.length} chars, limit ${observationLimit}`);
      }
      // Ordinary Python must never cost the sandbox its state; only code that ignores interrupts may.
      const lostState = step.error?.type === "SandboxCrash" || /sandbox was restarted/.test(step.error?.message ?? "");
      if (lostState) stats.sandboxRestarts++;
      if (!reply.mayKill && lostState) {
        problem("ordinary Python never costs the sandbox its state", `${where}: ${step.error?.type}: ${step.error?.message.split("\n")[0]?.slice(0, 160)} — code ${excerpt(step.codeAction ?? "", 120)}`);
      }
      const isLast = i === actions.length - 1;
      if (step.isFinalAnswer && !(isLast && result.state === "success")) problem("only the last step of a successful run is final", where);
      if (!Array.isArray(step.toolCalls) || !(step.timing.durationMs >= 0)) problem("toolCalls and timing are set", where);
    }

    // How the run ended, and what the model was asked.
    if (result.state === "success") {
      const last = actions.at(-1);
      if (!last?.isFinalAnswer) problem("a successful run ends on a final step", `task ${task + 1}`);
      else if (!Object.is(result.output, last.output) && JSON.stringify(result.output) !== JSON.stringify(last.output)) {
        problem("the output is the final step's", `task ${task + 1}`);
      }
      if (actions.length > plan.maxSteps) problem("at most maxSteps steps", `${actions.length} > ${plan.maxSteps}`);
    } else {
      if (actions.length !== plan.maxSteps) problem("max_steps_error after exactly maxSteps steps", `${actions.length} ≠ ${plan.maxSteps}`);
      const best = plan.script[consumed++];
      if (result.output !== best?.text.trim()) problem("the best answer is the next reply, trimmed", `${excerpt(String(result.output))} ≠ ${excerpt(best?.text ?? "")}`);
    }
    const finalStep = runSteps.at(-1);
    if (finalStep?.type === "final-answer" && !Object.is(finalStep.output, result.output)) problem("the final-answer step holds the output", `task ${task + 1}`);
    if (model.calls.length !== consumed || model.remaining !== plan.script.length - consumed) {
      problem("one model call per step (and one for the best answer)", `task ${task + 1}: ${model.calls.length} calls, ${consumed} replies accounted for`);
      return;
    }
    for (let call = firstReply; call < consumed; call++) {
      const stops = model.calls[call]!.options?.stopSequences;
      const bestAnswerCall = result.state === "max_steps_error" && call === consumed - 1;
      if (bestAnswerCall ? stops !== undefined : JSON.stringify(stops) !== JSON.stringify(STOP_SEQUENCES)) {
        problem("stop sequences of each call", `call ${call + 1}: ${JSON.stringify(stops)}`);
      }
    }
    if (plan.useStream) checkEvents(events, actions, result, plan, firstReply, problem);
  }

  // Step callbacks saw every step, in order; memory survives a JSON round trip.
  const memorySteps = agent.memory.steps;
  if (callbackSteps.length !== memorySteps.filter((step) => step.type === "action").length || callbackSteps.some((step) => !memorySteps.includes(step))) {
    problem("step callbacks see every action step once", `${callbackSteps.length} callbacks`);
  }
  const notJson = nonJsonAt(memorySteps, "steps");
  if (notJson) problem("memory is plain JSON data", notJson);
  let json: string;
  try {
    json = JSON.stringify(agent.memory);
  } catch (error) {
    problem("JSON.stringify(memory) works", (error as Error).message);
    return;
  }
  try {
    const loaded = AgentMemory.fromJSON(json);
    if (loaded.systemPrompt !== agent.memory.systemPrompt) problem("memory round trip: system prompt", "differs");
    if (notJson === undefined) {
      const difference = firstDifference(loaded.steps, memorySteps, "steps") ?? firstDifference(JSON.parse(JSON.stringify(loaded)), JSON.parse(json), "json");
      if (difference) problem("memory round trip: steps", difference);
    }
    const loadedActions = loaded.steps.filter((step): step is ActionStep => step.type === "action");
    const actions = memorySteps.filter((step): step is ActionStep => step.type === "action");
    for (const [i, step] of actions.entries()) {
      const other = loadedActions[i];
      if (other?.modelOutput !== step.modelOutput || other.codeAction !== step.codeAction || other.observations !== step.observations || other.stepNumber !== step.stepNumber) {
        problem("memory round trip keeps the text of every step", `step ${step.stepNumber}`);
      }
    }
  } catch (error) {
    problem("AgentMemory.fromJSON reads what JSON.stringify wrote", (error as Error).message);
  }
}

/** The events of one streamed run agree with its memory. */
function checkEvents(
  events: AgentEvent[],
  actions: ActionStep[],
  result: RunResult,
  plan: RunPlan,
  firstReply: number,
  problem: (invariant: string, detail: string) => void,
): void {
  if (events[0]?.type !== "run-start") problem("stream starts with run-start", String(events[0]?.type));
  const answer = events.at(-2);
  if (answer?.type !== "final-answer" || !Object.is(answer.output, result.output)) problem("stream: final-answer before run-finish", String(answer?.type));
  const finished = events.flatMap((event) => (event.type === "step-finish" ? [event.step] : []));
  if (finished.length !== actions.length || finished.some((step, i) => step !== actions[i])) {
    problem("stream: one step-finish per action step, the memory step itself", `${finished.length} step-finish events, ${actions.length} steps`);
  }
  for (const [i, step] of actions.entries()) {
    const mine = events.filter((event) => "stepNumber" in event && event.stepNumber === step.stepNumber);
    const reply = plan.script[firstReply + i]!;
    const where = `step ${step.stepNumber} (${reply.kind})`;
    const starts = mine.filter((event) => event.type === "step-start");
    if (starts.length !== 1 || starts[0]?.type !== "step-start" || starts[0].stepType !== "action") problem("stream: one step-start per step", where);
    const outputs = mine.filter((event) => event.type === "model-output");
    const cut = cutAtStopSequences(reply.text);
    if (outputs.length !== 1 || outputs[0]?.type !== "model-output" || outputs[0].text !== cut) problem("stream: model-output is the cut reply", where);
    const deltas = mine.flatMap((event) => (event.type === "model-delta" ? [event.text] : [])).join("");
    if (plan.streamOutputs && deltas !== cut) problem("stream: model deltas add up to the cut reply", `${where}: ${excerpt(deltas)} vs ${excerpt(cut)}`);
    const code = mine.filter((event) => event.type === "code");
    if (step.codeAction === undefined ? code.length !== 0 : code.length !== 1 || code[0]?.type !== "code" || code[0].code !== step.codeAction) {
      problem("stream: a code event exactly when code ran", where);
    }
    const toolResults = mine.filter((event) => event.type === "tool-result").length;
    if (toolResults !== step.toolCalls.length) problem("stream: one tool-result event per recorded tool call", `${where}: ${toolResults} vs ${step.toolCalls.length}`);
    const errors = mine.filter((event) => event.type === "error");
    if (step.error === undefined ? errors.length !== 0 : errors.length !== 1 || errors[0]?.type !== "error" || errors[0].error !== step.error) {
      problem("stream: an error event exactly when the step has an error", where);
    }
  }
  if (result.state === "max_steps_error") {
    const last = events.filter((event) => event.type === "step-start").at(-1);
    if (last?.type !== "step-start" || last.stepType !== "final-answer") problem("stream: a final-answer step-start after max steps", String(last?.type));
  }
}

function report(violations: Violation[], stats: Stats, seconds: number): string {
  const byInvariant = new Map<string, Violation[]>();
  for (const violation of violations) byInvariant.set(violation.invariant, [...(byInvariant.get(violation.invariant) ?? []), violation]);
  const lines = [`agent fuzz: FUZZ_SEED=${SEED} (0x${SEED.toString(16)}), ${violations.length} violations in ${seconds.toFixed(1)} s`];
  for (const [invariant, found] of byInvariant) {
    lines.push(`- ${invariant}: ${found.length} (runs ${[...new Set(found.map((v) => v.run))].slice(0, 12).join(", ")})`);
    for (const violation of found.slice(0, 3)) lines.push(`    run ${violation.run}: ${violation.detail}`);
  }
  const first = violations[0];
  if (first) lines.push(`Replay one run: FUZZ_SEED=${SEED} FUZZ_RUN=${first.run} npx vitest run test/agent-fuzz.test.ts`);
  lines.push(
    `stats: ${stats.runs} runs, ${stats.tasks} tasks, ${stats.repliesScripted} replies scripted, ${stats.repliesConsumed} consumed, ` +
      `${stats.actionSteps} action steps, ${stats.success} success, ${stats.maxStepsError} max_steps_error, ${stats.streamedRuns} streamed runs, ${stats.sandboxRestarts} sandbox restarts`,
  );
  lines.push(`step outcomes: ${[...stats.errorTypes].sort((a, b) => b[1] - a[1]).map(([type, count]) => `${type} ${count}`).join(", ")}`);
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------- tests

describe("agent loop fuzz", () => {
  test("thousands of malformed replies: runs resolve, every reply is one step in memory, memory survives JSON", async () => {
    const started = performance.now();
    const budgetLeft: Record<BudgetKey, number> = { ...BUDGET };
    const plans = planRuns(SEED, RUNS, budgetLeft).filter((plan) => ONLY_RUN === undefined || plan.index === ONLY_RUN);
    const violations: Violation[] = [];
    const stats: Stats = {
      runs: 0,
      tasks: 0,
      repliesScripted: 0,
      repliesConsumed: 0,
      actionSteps: 0,
      success: 0,
      maxStepsError: 0,
      streamedRuns: 0,
      sandboxRestarts: 0,
      errorTypes: new Map(),
    };
    for (const plan of plans) await fuzzRun(plan, violations, stats);
    stats.repliesConsumed = stats.actionSteps + stats.maxStepsError;

    // The shared sandbox still works after all that.
    const after = await executor.run("1+1");
    if (after.output !== 2 || after.error) violations.push({ run: -1, invariant: "the executor still works", detail: JSON.stringify(after) });

    const used = (Object.keys(BUDGET) as BudgetKey[]).map((key) => `${key} ${BUDGET[key] - budgetLeft[key]}/${BUDGET[key]}`);
    const summary = `${report(violations, stats, (performance.now() - started) / 1000)}\nrationed replies planned: ${used.join(", ")}`;
    console.log(summary);
    expect(violations.length, summary).toBe(0);
    if (ONLY_RUN === undefined) expect(stats.repliesConsumed).toBeGreaterThan(1000);
  }, 240_000);

  test("a fresh agent on a shared executor starts from a fresh namespace", async () => {
    const first = new CodeAgent({ model: new ScriptedModel(["<code>\nleak_marker = 1\nfinal_answer('set')\n</code>"]), executor });
    expect((await first.run("Set a variable.")).output).toBe("set");
    const second = new CodeAgent({ model: new ScriptedModel(["<code>\nfinal_answer('leak_marker' in dir())\n</code>"]), executor });
    // AgentRunOptions.reset: "Start from empty memory and a fresh sandbox namespace (default)".
    expect((await second.run("Is the variable there?")).output).toBe(false);
  });

  test("a run whose last code overran the time limit does not break the next run", async () => {
    // An 8 MB result takes longer than the time limit to cross to the host: the time-out fires
    // after the code has finished, and its interrupt must not land in the next request.
    const manyTools = Array.from({ length: 60 }, (_, i) =>
      tool({ name: `noop_${i}`, description: "Does nothing.", inputSchema: z.object({}), execute: () => i }),
    );
    for (let attempt = 0; attempt < 3; attempt++) {
      const slow = new CodeAgent({
        model: new ScriptedModel(["<code>\n'x' * (8 * 10**6)\n</code>", "A long string."]),
        tools: manyTools,
        executor,
        maxSteps: 1,
      });
      await slow.run("Make a long string.");
      const next = new CodeAgent({ model: new ScriptedModel(["<code>\nfinal_answer('fine')\n</code>"]), tools: manyTools, executor });
      await expect(next.run("Anything."), `attempt ${attempt + 1}`).resolves.toMatchObject({ output: "fine" });
    }
  }, 60_000);
});
