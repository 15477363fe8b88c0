/**
 * The user's own helper modules (`modules`) in the Python sandboxes on the shared runtime and in
 * QuickJS (ES modules): importable,
 * allowed by the import gate (but not what they import), imported when the sandbox starts so that a
 * broken one is an error at once, and gone with nothing left behind after reset().
 */
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";

import { CodeAgent } from "../src/agents/code-agent.js";
import { SandboxModuleError } from "../src/errors.js";
import type { Executor, ExecutorOptions } from "../src/executors/executor.js";
import { LocalPythonExecutor } from "../src/executors/local-python/local-python-executor.js";
import { MontyExecutor } from "../src/executors/monty/monty-executor.js";
import { PyodideExecutor } from "../src/executors/pyodide/pyodide-executor.js";
import { QuickJsExecutor } from "../src/executors/quickjs/quickjs-executor.js";
import { ScriptedExecutor } from "../src/executors/scripted-executor.js";
import { ScriptedModel } from "../src/models/scripted-model.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/modules/${name}`, import.meta.url));

const SANDBOXES: { name: string; create(options: ExecutorOptions): Executor }[] = [
  { name: "pyodide", create: (options) => new PyodideExecutor(options) },
  { name: "local-python", create: (options) => new LocalPythonExecutor(options) },
];

const opened: Executor[] = [];
afterAll(async () => {
  await Promise.all(opened.map((executor) => executor.close()));
});

function open(create: (options: ExecutorOptions) => Executor, options: ExecutorOptions): Executor {
  const executor = create(options);
  opened.push(executor);
  return executor;
}

describe.each(SANDBOXES)("modules in $name", ({ create }) => {
  test("a file, a package folder and a source string are importable; what they import is not", async () => {
    const executor = open(create, {
      authorizedImports: ["math"],
      modules: { utils: fixture("utils.py"), textkit: fixture("textkit"), inline: { source: "def twice(x):\n    return 2 * x\n" } },
    });
    const result = await executor.run(
      "from utils import clean_text\nimport textkit\nfrom inline import twice\n[clean_text('  A   b ', lower=True), textkit.Report('one two three').words, twice(21)]",
    );
    expect(result.error).toBeUndefined();
    expect(result.output).toEqual(["a b", 3, 42]);
    const reached = await executor.run("import utils\nutils.re");
    expect(reached.error?.type).toBe("ImportError");
    expect(reached.error?.message).toMatch(/Import of 're' is not allowed/);
  });

  test("a module that fails to import is a SandboxModuleError naming the file and line, before any code runs", async () => {
    const executor = open(create, { modules: { broken: fixture("broken.py") } });
    const failure = await executor.run("1").then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SandboxModuleError);
    expect((failure as SandboxModuleError).moduleName).toBe("broken");
    expect((failure as Error).message).toMatch(/The module 'broken' could not be imported in the sandbox: broken\.py, line 2: ModuleNotFoundError: No module named 'not_a_module_anywhere'/);
  });

  test("a module named like one the sandbox has is refused", async () => {
    const executor = open(create, { modules: { json: { source: "x = 1\n" } } });
    await expect(executor.run("1")).rejects.toThrow(/The module 'json' could not be imported.*already has a module named 'json'; give yours another name/);
  });

  test("reset() gives fresh modules: what the code changed in one is gone", async () => {
    const executor = open(create, { modules: { inline: { source: "counter = [0]\n" } } });
    expect((await executor.run("import inline\ninline.counter.append(1)\nlen(inline.counter)")).output).toBe(2);
    await executor.reset();
    expect((await executor.run("import inline\nlen(inline.counter)")).output).toBe(1);
  });
});

describe("JavaScript modules in QuickJS", () => {
  const quickJs = (options: ExecutorOptions) => open((given) => new QuickJsExecutor(given), options);
  const MODULES = { utils: fixture("utils.js"), textkit: fixture("textkit-js"), inline: { source: "export const twice = (x) => 2 * x;\n" } };

  test("a file, a package folder and a source string are importable, with default, named and namespace imports", async () => {
    const executor = quickJs({ modules: MODULES });
    const result = await executor.run(
      'import shout, { cleanText as clean } from "utils";\nimport * as textkit from "textkit";\nimport { twice } from "inline";\n' +
        '[clean("  A   b ", { lower: true }), new textkit.Report("one two three").summary(), textkit.loud("  hi  there "), twice(21), shout("x")]',
    );
    expect(result.error).toBeUndefined();
    expect(result.output).toEqual(["a b", "3 words", "HI THERE!", 42, "X!"]);
    // Imported names persist like the code's other top-level names; require() and import() reach the same module.
    const later = await executor.run('countCall = require("utils").countCall;\ncountCall(); const again = await import("utils");\n[clean(" z "), again.countCall(), again.calls]');
    expect(later.output).toEqual(["z", 2, 2]);
  });

  test("what is not there is an ImportError that names the modules there are", async () => {
    const executor = quickJs({ modules: MODULES });
    const node = await executor.run('import { readFileSync } from "fs";');
    expect(node.error?.type).toBe("ImportError");
    expect(node.error?.message).toMatch(/The module 'fs' cannot be loaded: the only modules here are the ones you were given \(utils, textkit, inline\)/);
    const missing = await executor.run('import { nope } from "utils";');
    expect(missing.error?.message).toMatch(/The module 'utils' has no export named 'nope'; it exports cleanText, calls, countCall, failDeepInside, default/);
    const nested = await executor.run('if (true) {\n  import { cleanText } from "utils";\n}');
    expect(nested.error).toMatchObject({ type: "SyntaxError", message: expect.stringMatching(/at the top level .*\(line 2\)/) });
  });

  test("an error inside a module shows the module's file and line in the stack", async () => {
    const executor = quickJs({ modules: MODULES });
    const result = await executor.run('import { failDeepInside } from "utils";\nfailDeepInside({})');
    expect(result.error?.type).toBe("TypeError");
    expect(result.error?.message).toContain("utils.js line 19 in failDeepInside(): return value.missing.property;");
    expect(result.error?.message).toContain("line 2 at top level: failDeepInside({})");
  });

  test("a module that fails is a SandboxModuleError naming the file and line, before any code runs", async () => {
    const failure = await quickJs({ modules: { broken: fixture("broken.js") } })
      .run("1")
      .then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(SandboxModuleError);
    expect((failure as Error).message).toMatch(/The module 'broken' could not be imported in the sandbox: broken\.js, line 2: TypeError: cannot read property 'push' of undefined/);
  });

  test("syntax errors and imports of what is not given are refused when the executor is made", () => {
    expect(() => new QuickJsExecutor({ modules: { bad: { source: "export const x = ;" } } })).toThrow(/'bad' could not be imported.*bad\.js, line 1: SyntaxError/);
    expect(() => new QuickJsExecutor({ modules: { bad: { source: '\nimport { readFile } from "node:fs";' } } })).toThrow(/bad\.js, line 2: ImportError: it imports 'node:fs', which is not among the modules given/);
    expect(() => new QuickJsExecutor({ modules: { bad: { source: "await 1;" } } })).toThrow(/await at a module's top level is not supported/);
  });

  test("a module's endless loop at import ends the start with an error, not a hang", async () => {
    const executor = quickJs({ modules: { spin: { source: "while (true) {}" } }, timeoutMs: 300 });
    const failure = await executor.run("1").then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(SandboxModuleError);
    expect((failure as Error).message).toMatch(/The module 'spin' could not be imported in the sandbox: importing took longer than the time limit \(300 ms\)/);
  });

  test("modules importing each other behave as ES modules: cycles load, imports are live, inner names shadow them", async () => {
    const executor = quickJs({
      modules: {
        a: { source: 'import { b } from "b";\nexport const a = 1;\nexport const viaB = () => b;' },
        b: { source: 'import { a } from "a";\nexport const b = 2;\nexport function getA() { return a; }' },
        counter: { source: "export let count = 0;\nexport function inc() { count++; }" },
        reader: {
          source:
            'import { count, inc } from "counter";\nexport function read() { inc(); return { count }; }\n' +
            "export function shadowed(count) { return count; }\nexport async function later() { return (await import(\"a\")).a; }",
        },
        anonymous: { source: "export default function () { return 1; }" },
      },
    });
    const result = await executor.run(
      'import { getA } from "b"; import { viaB } from "a"; import * as reader from "reader"; import anonymous from "anonymous";\n' +
        "[getA(), viaB(), reader.read().count, reader.read().count, reader.shadowed(7), await reader.later(), anonymous.name]",
    );
    expect(result.error).toBeUndefined();
    expect(result.output).toEqual([1, 2, 1, 2, 7, 1, "default"]);
  });

  test("a failure while importing names the module, and the line of the import that failed", async () => {
    const failure = (modules: ExecutorOptions["modules"]) =>
      quickJs({ modules })
        .run("1")
        .then(() => "no error", (error: unknown) => (error as Error).message);
    expect(await failure({ m: { source: "export const x = 1;" }, n: { source: '\n\n\nimport { nope } from "m";' } })).toMatch(
      /The module 'n' could not be imported in the sandbox: n\.js, line 4: ImportError: The module 'm' has no export named 'nope'; it exports x\./,
    );
    expect(await failure({ m: { source: "throw 1;" } })).toMatch(/The module 'm' could not be imported in the sandbox: m\.js: Uncaught 1 /);
    expect(await failure({ m: { source: "final_answer(42);" } })).toMatch(/The module 'm' could not be imported in the sandbox: it called final_answer\(\)/);
  });

  test("reset() gives fresh modules: what the code changed in one is gone", async () => {
    const executor = quickJs({ modules: MODULES });
    expect((await executor.run('import { countCall } from "utils";\ncountCall(); countCall()')).output).toBe(2);
    await executor.reset();
    expect((await executor.run('import { countCall } from "utils";\ncountCall()')).output).toBe(1);
  });
});

test("the sandboxes that cannot load modules say so", () => {
  expect(() => new MontyExecutor({ modules: { utils: { source: "" } } })).toThrow(/MontyExecutor cannot import your modules/);
});

test("a missing module file is an error when the executor is made", () => {
  expect(() => new PyodideExecutor({ modules: { utils: fixture("nowhere.py") } })).toThrow(/modules\.utils: .*nowhere\.py does not exist/);
  expect(() => new PyodideExecutor({ modules: { "not-a-name": { source: "" } } })).toThrow(/must be an identifier/);
});

describe("an agent with modules", () => {
  test("lists their public functions with signatures and docstrings, allows them, and its code imports them", async () => {
    const model = new ScriptedModel(["Thought: use the user's helper.\n<code>\nfrom utils import clean_text\nfinal_answer(clean_text('  Hello   World  '))\n</code>"]);
    const agent = new CodeAgent({ model, modules: { utils: fixture("utils.py"), textkit: fixture("textkit") }, executorOptions: { usePool: false } });
    try {
      const prompt = agent.memory.systemPrompt;
      expect(prompt).toContain('def clean_text(text: str, lower: bool = False) -> str:\n    """Collapses runs of whitespace and trims the ends.');
      expect(prompt).toContain('class Report:\n    """Word counts of a text."""');
      expect(prompt).not.toContain("_private_helper");
      expect(prompt).toMatch(/utils, textkit/);
      const result = await agent.run("Clean this text.");
      expect(result).toMatchObject({ state: "success", output: "Hello World" });
    } finally {
      await agent.close();
    }
  });

  test("in JavaScript: lists the exports with their JSDoc, and its code imports them", async () => {
    const model = new ScriptedModel(['Thought: use the helper.\n<code>\nimport { cleanText } from "utils";\nfinal_answer(cleanText("  Hello   World  "))\n</code>']);
    const agent = new CodeAgent({ model, language: "javascript", modules: { utils: fixture("utils.js"), textkit: fixture("textkit-js") } });
    try {
      const prompt = agent.memory.systemPrompt;
      expect(prompt).toContain("/**\n * Collapses runs of whitespace and trims the ends.\n * @param {string} text\n */\nfunction cleanText(text, { lower = false } = {})");
      expect(prompt).toContain('// module textkit: import { ... } from "textkit"\n/** How many words the text has. */\nconst countWords = (text) =>');
      expect(prompt).toContain("class Report { constructor(text); summary() }");
      expect(prompt).toContain("function shout(text) // the default export");
      expect(prompt).not.toContain("privateHelper");
      expect(prompt).toMatch(/Modules: only the helper modules listed above \(utils, textkit\)/);
      const result = await agent.run("Clean this text.");
      expect(result).toMatchObject({ state: "success", output: "Hello World" });
    } finally {
      await agent.close();
    }
  });

  test("modules for an executor passed in belong to that executor", () => {
    const executor = new ScriptedExecutor([]);
    expect(() => new CodeAgent({ model: new ScriptedModel([]), executor, modules: { utils: fixture("utils.py") } })).toThrow(/Give modules to the executor you pass in/);
  });
});
