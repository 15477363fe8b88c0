/**
 * What only the Monty executor does: a Python subset that has no files, network or environment to
 * reach, a namespace rebuilt for every run from values and source, clear errors for the Python it
 * lacks, and its limits. The shared behaviour is in the executor contract.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";

import type { Executor } from "../src/executors/executor.js";
import { MontyExecutor, type MontyExecutorOptions } from "../src/executors/monty/monty-executor.js";
import { MontyProcess } from "../src/executors/monty/monty-process.js";
import { MONTY_PROMPT_NOTES } from "../src/executors/monty/prompt-notes.js";
import { tool } from "../src/tools/tool.js";

const open: Executor[] = [];
function executor(options: MontyExecutorOptions = {}): MontyExecutor {
  const created = new MontyExecutor(options);
  open.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((created) => created.close()));
});

const PYODIDE = /PyodideExecutor \(executor: "pyodide"\)/;

describe("MontyExecutor security", () => {
  // "*" authorizes every module Monty has, os and pathlib included: they still reach nothing.
  const everything = () => executor({ authorizedImports: ["*"] });

  test("files cannot be read or written", async () => {
    const sandbox = everything();
    const target = join(tmpdir(), `monty-write-probe-${process.pid}.txt`);
    rmSync(target, { force: true });
    expect((await sandbox.run("open('/etc/passwd').read()")).error?.type).toBe("PermissionError");
    expect((await sandbox.run("from pathlib import Path\nPath('/etc/hostname').read_text()")).error?.type).toBe("PermissionError");
    expect((await sandbox.run("from pathlib import Path\nPath('/etc').exists()")).error?.type).toBe("PermissionError");
    const write = await sandbox.run(`from pathlib import Path\nPath(${JSON.stringify(target)}).write_text('x')`);
    expect(write.error?.type).toBe("PermissionError");
    expect(existsSync(target)).toBe(false);
  });

  test("the environment and processes are out of reach", async () => {
    const sandbox = everything();
    expect((await sandbox.run("import os\nos.getenv('HOME')")).error?.message).toMatch(/not supported/);
    expect((await sandbox.run("import os\nos.environ")).error?.message).toMatch(/not supported/);
    expect((await sandbox.run("import os\nos.system('id')")).error?.type).toBe("AttributeError");
    for (const module of ["subprocess", "socket", "ctypes", "importlib", "urllib"]) {
      const result = await sandbox.run(`import ${module}`);
      expect(result.error?.type).toBe("ImportError");
      expect(result.error?.message).toMatch(PYODIDE);
    }
  });

  test("dynamic code and introspection do not exist", async () => {
    const sandbox = everything();
    expect((await sandbox.run("__import__('os')")).error?.type).toBe("ImportError");
    for (const code of ["eval('1 + 1')", "exec('x = 1')", "globals()", "compile('1', 'f', 'eval')"]) {
      const result = await sandbox.run(code);
      expect(result.error?.type).toBe("NameError");
      expect(result.error?.message).toMatch(/the Monty sandbox has no/);
    }
    expect((await sandbox.run("import sys\nsys.modules")).error?.type).toBe("AttributeError");
    expect((await sandbox.run("[].__class__")).error?.type).toBe("AttributeError");
  });

  test.each([
    ["inside a function", "def load():\n    import json\n    return json\nran = 1"],
    ["inside a block on one line", "if True: import json\nran = 1"],
    ["after a semicolon", "ran = 1; import json"],
    ["in a try", "try:\n    from json import dumps as d\nexcept ImportError:\n    pass\nran = 1"],
    ["relative", "from . import json\nran = 1"],
    ["through __import__", "ran = 1\nloader = __import__\nloader('json')"],
    ["through importlib", "import importlib\nran = 1"],
  ])("the import gate refuses an import %s before anything runs", async (_where, code) => {
    const sandbox = executor({ authorizedImports: ["math"] });
    const result = await sandbox.run(code);
    expect(result.error?.type).toBe("ImportError");
    expect((await sandbox.run("ran")).error?.type).toBe("NameError");
  });

  test("code the gate cannot read does not run, even when Monty could parse it", async () => {
    const sandbox = executor();
    const result = await sandbox.run("ran = 1\nwith open('x') as (p, q):\n    pass");
    expect(result.error?.type).toBe("SyntaxError");
    expect(result.error?.message).toMatch(/could not read line 2/);
    expect((await sandbox.run("ran")).error?.type).toBe("NameError");
  });

  test("the sandbox process starts with an empty environment", async () => {
    const sandbox = new MontyProcess();
    try {
      await sandbox.hold(sandbox.ready);
      expect(readFileSync(`/proc/${sandbox.pid}/environ`, "utf8")).toBe("");
    } finally {
      sandbox.kill("test done");
    }
  });

  test("an unauthorized module is refused before anything runs", async () => {
    const sandbox = executor({ authorizedImports: ["math"] });
    const result = await sandbox.run("ran = 1\nimport json");
    expect(result.error).toMatchObject({ type: "ImportError" });
    expect(result.error?.message).toMatch(/'json' is not allowed \(line 2\).*Authorized imports: math/);
    expect((await sandbox.run("ran")).error?.type).toBe("NameError");
  });
});

describe("MontyExecutor namespace", () => {
  test("functions defined with def carry over, and see and change the variables they use", async () => {
    const sandbox = executor();
    await sandbox.run("items = [1]\ndef push(value):\n    items.append(value)\n    return len(items)");
    expect((await sandbox.run("push(2)\npush(3)")).output).toBe(3);
    expect((await sandbox.run("items")).output).toEqual([1, 2, 3]);
    await sandbox.run("def twice(f, value):\n    return f(f(value))\nsquare = lambda v: v * v");
    expect((await sandbox.run("twice(square, 3)")).output).toBe(81);
  });

  test("imports carry over, one name at a time", async () => {
    const sandbox = executor({ authorizedImports: ["math", "json"] });
    await sandbox.run("import json\nfrom math import floor as fl, ceil");
    expect((await sandbox.run("[json.dumps([1]), fl(2.5), ceil(2.5)]")).output).toEqual(["[1]", 2, 3]);
    await sandbox.run("fl = 'rebound'");
    expect((await sandbox.run("[fl, ceil(0.5)]")).output).toEqual(["rebound", 1]);
  });

  test("values keep their Python types", async () => {
    const sandbox = executor({ authorizedImports: ["datetime"] });
    await sandbox.run(
      "import datetime\nx = 3.0\nfs = frozenset([1])\nt = (1, 2)\nb = b'hi'\nd = datetime.date(2024, 1, 2)\nr = range(3)\nm = {(1, 2): 'pair', 3: None}",
    );
    const types = await sandbox.run("[type(v).__name__ for v in [x, fs, t, b, d, r, m]] + [str(x), m[(1, 2)], d.year, list(r)]");
    expect(types.output).toEqual(["float", "frozenset", "tuple", "bytes", "date", "range", "dict", "3.0", "pair", 2024, [0, 1, 2]]);
  });

  test("an object that cannot be carried over fails clearly when used later", async () => {
    const sandbox = executor({ authorizedImports: ["re"] });
    expect((await sandbox.run("make = lambda: (lambda q: q * 2)\ndoubler = make()\ndoubler(2)")).output).toBe(4);
    const result = await sandbox.run("doubler(3)");
    expect(result.error?.type).toBe("NameError");
    expect(result.error?.message).toMatch(/'doubler' held a function made in an earlier run.*top-level def/s);
    expect((await sandbox.run("make()(5)")).output).toBe(10); // the lambda assigned by name did carry over
    await sandbox.run("import re\nmatch = re.search('b+', 'abbc')");
    expect((await sandbox.run("match.group(0)")).error?.message).toMatch(/'match' held a re.Match object/);
  });

  test("statements that completed before an error keep their effects; the failing one does not", async () => {
    const sandbox = executor();
    await sandbox.run("log = []\nlog.append('first')\nfor i in range(3):\n    log.append(i)\n    if i == 1:\n        raise ValueError('stop')");
    expect((await sandbox.run("log")).output).toEqual(["first"]);
  });

  test("two names for one list stay one list within a run", async () => {
    const sandbox = executor();
    await sandbox.run("a = [1]\nb = a\nb.append(2)");
    expect((await sandbox.run("[a, b]")).output).toEqual([[1, 2], [1, 2]]);
  });

  test("two names for one list stay one list across runs, until one is bound to another", async () => {
    const sandbox = executor();
    await sandbox.run("a = [1]\nb = a\nd = {'k': 1}\ne = d");
    await sandbox.run("b.append(2)");
    expect((await sandbox.run("a")).output).toEqual([1, 2]);
    await sandbox.run("a.append(3)\ne['k'] = 2");
    expect((await sandbox.run("[b, d]")).output).toEqual([[1, 2, 3], { k: 2 }]);
    await sandbox.run("b = [9]");
    await sandbox.run("a.append(4)");
    expect((await sandbox.run("[a, b]")).output).toEqual([[1, 2, 3, 4], [9]]);
  });

  test("functions may use names defined after them, as in Python", async () => {
    const sandbox = executor();
    const result = await sandbox.run("def total():\n    return helper() + base\ndef helper():\n    return 1\nbase = 10\ntotal()");
    expect(result.output).toBe(11);
    expect((await sandbox.run("def setter():\n    global level\n    level = 7\nsetter()\nlevel")).output).toBe(7);
  });

  test("reset forgets functions and imports as well as values", async () => {
    const sandbox = executor({ authorizedImports: ["math"] });
    await sandbox.run("import math\ndef f():\n    return 1\nv = 2");
    await sandbox.reset();
    for (const name of ["math", "f", "v"]) expect((await sandbox.run(name)).error?.type).toBe("NameError");
  });

  test("sendVariables refuses a name Python cannot use", async () => {
    await expect(executor().sendVariables({ "not valid": 1 })).rejects.toThrow(/not a Python identifier/);
  });
});

describe("MontyExecutor and the Python it lacks", () => {
  test.each([
    ["class Box:\n    pass", /class definitions \(line 1: class Box:\)/],
    ["def gen():\n    yield 1", /yield expressions \(line 2/],
    ["v = 1\nmatch v:\n    case 1:\n        pass", /pattern matching/],
    ["x = 1\ndel x", /'del' statement/],
  ])("%s fails naming the feature and PyodideExecutor", async (code, feature) => {
    const result = await executor().run(code);
    expect(result.error?.type).toBe("NotImplementedError");
    expect(result.error?.message).toMatch(feature);
    expect(result.error?.message).toMatch(PYODIDE);
  });

  const TAG = 'def tag(name):\n    def wrap(f):\n        def inner(s):\n            return f"<{name}>" + f(s) + f"</{name}>"\n        return inner\n    return wrap\n';

  test("decorators, which Monty would ignore, are refused before anything runs", async () => {
    const sandbox = executor();
    const stacked = await sandbox.run(`ran = 1\n${TAG}@tag("b")\n@tag("i")\ndef shout(s):\n    return s.upper()\nshout("hey")`);
    expect(stacked.output).toBeNull();
    expect(stacked.error?.type).toBe("NotImplementedError");
    expect(stacked.error?.message).toMatch(/does not support decorators \(line 8: @tag\("b"\)\).*f = decorator\(f\)/s);
    expect((await sandbox.run("ran")).error?.type).toBe("NameError");
    const nested = await sandbox.run("def outer():\n    @staticmethod\n    def inner():\n        return 1\n    return inner()\nouter()");
    expect(nested.error?.message).toMatch(/decorators \(line 2: @staticmethod\)/);
  });

  test("a decorator applied by hand gives the right result", async () => {
    const wrappers = 'def bold(f):\n    return lambda s: "<b>" + f(s) + "</b>"\ndef italic(f):\n    return lambda s: "<i>" + f(s) + "</i>"\n';
    const result = await executor().run(`${wrappers}def shout(s):\n    return s.upper()\nshout = bold(italic(shout))\nshout("hey")`);
    expect(result.output).toBe("<b><i>HEY</i></b>");
  });

  test("a closure over a function two levels out, which Monty cannot see, says so", async () => {
    const result = await executor().run(`${TAG}def shout(s):\n    return s.upper()\nshout = tag("b")(shout)\nshout("hey")`);
    expect(result.error?.type).toBe("NameError");
    expect(result.error?.message).toMatch(/name 'name' is not defined\. If 'name' belongs to a function two or more levels around.*pass it in as an argument/s);
  });

  test("a closure made in an earlier run fails clearly instead of acting stale", async () => {
    const sandbox = executor();
    const made = await sandbox.run("def counter():\n    n = 0\n    def bump():\n        nonlocal n\n        n += 1\n        return n\n    return bump\nc = counter()\nc()\nc()");
    expect(made.output).toBe(2);
    expect((await sandbox.run("c()")).error?.message).toMatch(/'c' held a function made in an earlier run/);
  });

  test("a standard module Monty lacks is an ImportError that says so", async () => {
    const result = await executor().run("import random");
    expect(result.error?.type).toBe("ImportError");
    expect(result.error?.message).toMatch(/no 'random' module \(line 1\).*PyodideExecutor/s);
  });

  test("string formatting other than f-strings points to f-strings", async () => {
    const sandbox = executor();
    expect((await sandbox.run("'%d items' % 3")).error?.message).toMatch(/use f-strings/);
    expect((await sandbox.run("'{} items'.format(3)")).error?.message).toMatch(/use f-strings/);
  });

  test("a syntax error names its line and runs nothing", async () => {
    const sandbox = executor();
    const result = await sandbox.run("ran = 1\nif True print('x')");
    expect(result.error?.type).toBe("SyntaxError");
    expect(result.error?.message).toMatch(/line 2/);
    expect((await sandbox.run("ran")).error?.type).toBe("NameError");
  });

  test("a traceback names the lines of functions from earlier runs", async () => {
    const sandbox = executor();
    await sandbox.run("def boom():\n    return 1 / 0");
    const result = await sandbox.run("x = 1\nboom()");
    expect(result.error?.type).toBe("ZeroDivisionError");
    expect(result.error?.message).toContain("line 2 at top level: boom()");
    expect(result.error?.message).toContain("in boom(), defined in an earlier run (its line 2): return 1 / 0");
  });
});

describe("MontyExecutor final_answer", () => {
  test("ends the run at once, wherever it is called, and nothing after it runs", async () => {
    const sandbox = executor();
    const result = await sandbox.run(
      "kept = 'before'\ndef finish():\n    try:\n        final_answer({'deep': [1, (2, 3)]})\n    except BaseException:\n        print('swallowed')\nfinish()\nprint('after')",
    );
    expect(result).toMatchObject({ isFinalAnswer: true, output: { deep: [1, [2, 3]] }, logs: "" });
    expect((await sandbox.run("kept")).output).toBe("before");
  });

  test("needs exactly one argument", async () => {
    const result = await executor().run("final_answer(1, 2)");
    expect(result.error?.type).toBe("TypeError");
    expect(result.isFinalAnswer).toBe(false);
  });
});

describe("MontyExecutor tools", () => {
  test("async tools are plain calls, also as values and inside loops; observers see each call", async () => {
    const calls: string[] = [];
    const lookup = tool({
      name: "lookup",
      description: "Looks a key up.",
      inputSchema: z.object({ key: z.string() }),
      execute: async ({ key }) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return { key, length: key.length };
      },
    });
    const sandbox = executor();
    await sandbox.sendTools([lookup]);
    const result = await sandbox.run("f = lookup\nfound = []\nn = 0\nwhile n < 3:\n    found.append(f(key='k' * n)['length'])\n    n += 1\nfound", {
      onToolResult: (call) => calls.push(`${call.name}:${JSON.stringify(call.result)}`),
    });
    expect(result.output).toEqual([0, 1, 2]);
    expect(calls).toEqual(['lookup:{"key":"","length":0}', 'lookup:{"key":"k","length":1}', 'lookup:{"key":"kk","length":2}']);
  });

  test("a tool still running at the time limit is stopped and told so", async () => {
    let signal: AbortSignal | undefined;
    const slow = tool({
      name: "slow",
      description: "Never finishes in time.",
      inputSchema: z.object({}),
      execute: (_args, context) => {
        signal = context.signal;
        return new Promise<string>(() => undefined);
      },
    });
    const sandbox = executor({ timeoutMs: 200 });
    await sandbox.sendTools([slow]);
    const started = Date.now();
    const result = await sandbox.run("before = 1\nslow()");
    expect(result.error?.type).toBe("TimeoutError");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(signal?.aborted).toBe(true);
    expect((await sandbox.run("before")).output).toBe(1);
  });
});

describe("MontyExecutor limits", () => {
  test("a tool result over maxValueChars never enters the sandbox: the code gets an error naming the limit", async () => {
    const page = tool({ name: "get_page", description: "A long page.", inputSchema: z.object({}), execute: () => "x".repeat(5000) });
    const sandbox = executor({ maxValueChars: 1000 });
    await sandbox.sendTools([page]);
    const result = await sandbox.run("caught = ''\ntry:\n    get_page()\nexcept ValueError as error:\n    caught = str(error)\ncaught");
    expect(result.error).toBeUndefined();
    expect(String(result.output)).toMatch(/get_page\(\)'s result is 5,002 characters.*maxValueChars: 1,000/);
  });

  test("a long for loop ends at the time limit (Monty's own)", async () => {
    const started = Date.now();
    const result = await executor({ timeoutMs: 300 }).run("total = 0\nfor i in range(10**12):\n    total += i");
    expect(result.error?.type).toBe("TimeoutError");
    expect(result.error?.message).toMatch(/time limit of 300 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test("a while loop lets the event loop run and stops soon after an abort, naming its line", async () => {
    // The sandbox answers first, so the abort lands in the loop, not while a busy machine starts it.
    const sandbox = executor({ timeoutMs: 20_000 });
    await sandbox.run("0");
    const controller = new AbortController();
    let ticks = 0;
    const interval = setInterval(() => ticks++, 5);
    setTimeout(() => controller.abort(), 150);
    const started = Date.now();
    try {
      const result = await sandbox.run("n = 0\nwhile True:\n    n += 1", { signal: controller.signal });
      expect(result.error?.type).toBe("AbortError");
      expect(result.error?.message).toMatch(/stopped at line 2: while True:/);
    } finally {
      clearInterval(interval);
    }
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ticks).toBeGreaterThan(3);
  });

  test("an abort while the sandbox process is still starting is honoured", async () => {
    const sandbox = executor({ usePool: false, timeoutMs: 20_000 });
    const started = Date.now();
    const result = await sandbox.run("ran = 1\nwhile True:\n    pass", { signal: AbortSignal.timeout(5) });
    expect(result.error?.type).toBe("AbortError");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await sandbox.run("ran")).error?.type).toBe("NameError");
  });

  test("an already aborted signal runs nothing", async () => {
    const sandbox = executor();
    const result = await sandbox.run("ran = 1", { signal: AbortSignal.abort() });
    expect(result.error?.type).toBe("AbortError");
    expect((await sandbox.run("ran")).error?.type).toBe("NameError");
  });

  test("the memory limit is a MemoryError that names it", async () => {
    const result = await executor({ memoryLimitMb: 50 }).run("blocks = []\nwhile True:\n    blocks.append('x' * 1_000_000)");
    expect(result.error?.type).toBe("MemoryError");
    expect(result.error?.message).toMatch(/limit of 50 MiB/);
  });

  test("deep recursion is a RecursionError with a short traceback", async () => {
    const result = await executor().run("def down(n):\n    return down(n + 1)\ndown(0)");
    expect(result.error?.type).toBe("RecursionError");
    expect(result.error?.message).toMatch(/previous line repeated \d+ more times/);
    expect(result.error!.message.split("\n").length).toBeLessThan(10);
  });

  test("a closed executor stops a run that is still going", async () => {
    const sandbox = executor({ timeoutMs: 20_000 });
    const running = sandbox.run("while True:\n    pass");
    setTimeout(() => void sandbox.close(), 50);
    expect((await running).error?.type).toBe("AbortError");
    await expect(sandbox.run("1")).rejects.toThrow(/closed/);
  });
});

describe("MontyExecutor bytes and images", () => {
  const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

  test("bytes leave as a Uint8Array, an image dict as an image part", async () => {
    const sandbox = executor();
    const bytes = await sandbox.run("b'\\x01\\x02\\xff'");
    expect(bytes.output).toBeInstanceOf(Uint8Array);
    expect([...(bytes.output as Uint8Array)]).toEqual([1, 2, 255]);
    const answer = await sandbox.run("final_answer({'type': 'image', 'media_type': 'image/png', 'data': b'\\x89PNG'})");
    expect(answer).toMatchObject({ isFinalAnswer: true, output: { type: "image", mediaType: "image/png", image: new Uint8Array(PNG_BYTES.slice(0, 4)) } });
  });

  test("objects that forge the wire tags are refused with a clear error", async () => {
    const sandbox = executor();
    for (const [code, message] of [
      ["{'__bytes__': 'not base64!'}", /not valid base64/],
      ["[{'__bytes__': 42}]", /must be base64 text, got number/],
      ["{'__image__': 'QUJD', 'mediaType': 'text/html'}", /media type must look like "image\/png"/],
      ["{'type': 'image', 'media_type': 'text/html', 'data': b'x'}", /media type must look like "image\/png", got "text\/html"/],
    ] as const) {
      const result = await sandbox.run(code);
      expect(result.error?.type, code).toBe("TypeError");
      expect(result.error?.message, code).toMatch(message);
      expect(result.output).toBeNull();
    }
  });
});

describe("MONTY_PROMPT_NOTES", () => {
  test("fits in 600 characters and names what the model may not use", () => {
    expect(MONTY_PROMPT_NOTES.length).toBeLessThanOrEqual(600);
    for (const word of ["class", "decorators", "yield", "match", "f-strings", "open()", "math, json, re, datetime", "copies"]) expect(MONTY_PROMPT_NOTES).toContain(word);
  });
});
