/**
 * `codeagent exec` honours the sandbox flags (--executor, --lang, --tools, --timeout, --imports)
 * and refuses the ones that belong to a task; `--help` names every flag; a tools module outside
 * any project imports "codeagent" and "zod" (the CLI's own copies); a `.ts` tools file gets a hint.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { HELP } from "../src/cli/help-text.js";
import { PyodideExecutor } from "../src/executors/pyodide/pyodide-executor.js";
import { runCaptured, spawnCli } from "./fixtures/cli/run-cli-captured.js";

/** A folder outside the repository, with no node_modules anywhere above it. */
let outside: string;
beforeAll(() => {
  outside = mkdtempSync(join(tmpdir(), "codeagent-cli-tools-"));
  cpSync(new URL("./fixtures/cli/shout-tools.mjs", import.meta.url), join(outside, "shout-tools.mjs"));
  cpSync(new URL("./fixtures/cli/shout-tools.mjs", import.meta.url), join(outside, "shout-tools.ts"));
});
afterAll(async () => {
  rmSync(outside, { recursive: true, force: true });
  await PyodideExecutor.drainPool();
});

describe("exec honours the sandbox flags", () => {
  test("--executor quickjs runs JavaScript", async () => {
    expect(await runCaptured(["exec", "--executor", "quickjs", "console.log('js'); [1, 2].map((n) => n * 21)"])).toMatchObject({ code: 0, stdout: "js\n[\n  21,\n  42\n]\n" });
  });

  test("--lang javascript picks quickjs", async () => {
    expect(await runCaptured(["exec", "--lang", "javascript", "typeof globalThis"])).toMatchObject({ code: 0, stdout: "object\n" });
  });

  test("--executor monty runs Python in Monty", async () => {
    expect(await runCaptured(["exec", "--executor", "monty", "sum(n * n for n in range(4))"])).toMatchObject({ code: 0, stdout: "14\n" });
  });

  test("--executor local-python runs the machine's python3, --python picks the interpreter", async () => {
    expect(await runCaptured(["exec", "--executor", "local-python", "import sys\nsys.version_info[0]", "--imports", "sys"])).toMatchObject({ code: 0, stdout: "3\n" });
    const missing = await runCaptured(["exec", "--executor", "local-python", "--python", "/nonexistent/python3", "1"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/\/nonexistent\/python3.*Install Python 3.9 or newer/s);
  });

  test("--timeout limits the run", async () => {
    const output = await runCaptured(["exec", "--timeout", "500", "while True:\n    pass"]);
    expect(output.code).toBe(1);
    expect(output.stderr).toMatch(/TimeoutError/);
  });

  test("--imports sets what the code may import", async () => {
    const refused = await runCaptured(["exec", "import math\nmath.floor(2.5)", "--imports", "json"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/math/);
    expect(await runCaptured(["exec", "import math\nmath.floor(2.5)", "--imports", "math"])).toMatchObject({ code: 0, stdout: "2\n" });
  });

  test("--module gives the sandbox your modules, paths from the working folder; a bad flag is a usage error", async () => {
    writeFileSync(join(outside, "helpers.js"), "export const twice = (x) => 2 * x;\n");
    writeFileSync(join(outside, "helpers.py"), "def twice(x):\n    return 2 * x\n");
    const javaScript = await runCaptured(["exec", "--lang", "javascript", "--module", "helpers=./helpers.js", 'import { twice } from "helpers";\ntwice(21)'], {}, { cwd: outside });
    expect(javaScript).toMatchObject({ code: 0, stdout: "42\n" });
    const python = await runCaptured(["exec", "--module", "helpers=helpers.py", "--module", "inline=helpers.py", "from helpers import twice\nimport inline\ntwice(inline.twice(5))"], {}, { cwd: outside });
    expect(python).toMatchObject({ code: 0, stdout: "20\n" });
    const malformed = await runCaptured(["exec", "--module", "helpers", "1"]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--module takes a name and a path, e\.g\. --module utils=\.\/utils\.py/);
    const missing = await runCaptured(["exec", "--module", "helpers=./nowhere.py", "1"], {}, { cwd: outside });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/modules\.helpers: .*nowhere\.py does not exist/);
  });

  test("--tools: a tools module's tools are callable in every sandbox", async () => {
    const tools = join(outside, "shout-tools.mjs");
    expect(await runCaptured(["exec", "--tools", tools, "shout('py')"])).toMatchObject({ code: 0, stdout: "PY!\n" });
    expect(await runCaptured(["exec", "--executor", "quickjs", "--tools", tools, "shout({ text: 'js' })"])).toMatchObject({ code: 0, stdout: "JS!\n" });
  });

  test.each([
    [["exec", "1", "--model", "openai:x"], /--model does not apply to exec/],
    [["exec", "1", "--max-steps", "3", "--base-url", "http://x"], /--max-steps, --base-url do not apply to exec/],
    [["exec", "1", "--planning-interval", "2"], /--planning-interval does not apply to exec/],
    [["exec", "1", "--instructions", "be brief"], /--instructions does not apply to exec/],
    [["exec", "1", "--temperature", "0"], /--temperature does not apply to exec/],
    [["exec", "1", "--no-stop"], /--no-stop does not apply to exec/],
    [["exec", "1", "--executor", "monty", "--lang", "javascript"], /The monty executor runs python, not javascript/],
    [["exec", "1", "--image", "python:3.12-slim"], /--image is for the docker sandbox, not pyodide: add --executor docker/],
    [["exec", "1", "--executor", "quickjs", "--python", "python3"], /--python is for the local-python, docker, e2b, modal, blaxel sandboxes, not quickjs/],
    [["exec", "1", "--executor", "monty", "--packages", "numpy"], /--packages is for the pyodide sandbox, not monty/],
    [["demo", "--model", "openai:x"], /--model does not apply to demo/],
    [["task", "--fast"], /--fast does not apply to a task/],
  ])("refuses %j with exit 2", async (argv, message) => {
    const output = await runCaptured(argv);
    expect(output.code).toBe(2);
    expect(output.stderr).toMatch(message);
  });
});

describe("--help", () => {
  test("names every flag and every executor", async () => {
    const { stdout } = await runCaptured(["--help"]);
    for (const flag of ["--model", "--base-url", "--request-timeout", "--max-retries", "--temperature", "--no-stop", "--no-stream", "--tools", "--imports", "--module", "--max-steps", "--planning-interval", "--timeout", "--executor", "--image", "--python", "--packages", "--packages-dir", "--network", "--lang", "--instructions", "--json", "--verbose", "--fast", "--help", "--version"]) {
      expect(stdout).toContain(flag);
    }
    for (const word of ["pyodide", "quickjs", "monty", "local-python", "docker", "e2b", "modal", "blaxel", "exec", "demo", "130"]) expect(stdout).toContain(word);
    expect(stdout).toBe(HELP);
  });
});

describe("tools modules outside a project (the built command)", () => {
  test('a module in a temporary folder imports "codeagent" and "zod"', async () => {
    const { code, stdout, stderr } = await spawnCli(["exec", "--tools", "./shout-tools.mjs", "print(shout(text='hi'))"], { cwd: outside }).exited;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe("HI!\n");
  });

  test("a task uses such a module too", async () => {
    // No model server is needed to see the tools load: the run fails at the model afterwards.
    const { stderr } = await spawnCli(["Shout.", "--tools", "./shout-tools.mjs", "--base-url", "http://127.0.0.1:9/v1", "--max-retries", "0"], { cwd: outside }).exited;
    expect(stderr).not.toMatch(/Cannot load tools/);
    expect(stderr).toMatch(/ModelCallError/);
  });

  test("a .ts tools file: loaded where Node strips types, else exit 2 with what to do", async () => {
    const { code, stdout, stderr } = await spawnCli(["exec", "--tools", "./shout-tools.ts", "shout('ts')"], { cwd: outside }).exited;
    if ((process.features as { typescript?: unknown }).typescript) {
      expect({ code, stdout }).toEqual({ code: 0, stdout: "TS!\n" });
      return;
    }
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot load TypeScript/);
    expect(stderr).toMatch(/Compile the module to JavaScript/);
    expect(stderr).toMatch(/--import tsx/);
  });

  test("a module importing a package that is nowhere: exit 2 with what to install", async () => {
    writeFileSync(join(outside, "needs-lodash.mjs"), 'export { default } from "lodash-that-is-not-installed";\n');
    const { code, stderr } = await spawnCli(["exec", "--tools", "./needs-lodash.mjs", "1"], { cwd: outside }).exited;
    expect(code).toBe(2);
    expect(stderr).toMatch(/lodash-that-is-not-installed/);
    expect(stderr).toMatch(/npm install/);
  });
});
