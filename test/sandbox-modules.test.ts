/**
 * The user's own helper modules (`modules`) in the Python sandboxes on the shared runtime: importable,
 * allowed by the import gate (but not what they import), imported when the sandbox starts so that a
 * broken one is an error at once, and gone with nothing left behind after reset().
 */
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";

import { CodeAgent } from "../src/agents/code-agent.js";
import { SandboxModuleError } from "../src/errors.js";
import type { Executor, ExecutorOptions } from "../src/executors/executor.js";
import { LocalPythonExecutor } from "../src/executors/local-python/local-python-executor.js";
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

test("the sandboxes that cannot load modules yet say so", () => {
  expect(() => new QuickJsExecutor({ modules: { utils: { source: "" } } })).toThrow(/QuickJsExecutor cannot load your modules yet/);
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

  test("modules for an executor passed in belong to that executor", () => {
    const executor = new ScriptedExecutor([]);
    expect(() => new CodeAgent({ model: new ScriptedModel([]), executor, modules: { utils: fixture("utils.py") } })).toThrow(/Give modules to the executor you pass in/);
  });
});
