/**
 * The `codeagent` command end to end: against a local OpenAI-compatible server (the real
 * OpenAIModel, the real sandbox), the recorded demo, usage errors, and the built binary.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";

import { runCli } from "../src/cli/run-cli.js";
import { capture } from "./fixtures/cli/run-cli-captured.js";
import { modelServerForThisFile } from "./fixtures/cli/model-server.js";

const modelServer = modelServerForThisFile();

describe("codeagent <task>", () => {
  test("solves a multi-step task against an OpenAI-compatible server, streaming each step", async () => {
    modelServer().enqueue(
      { kind: "reply", text: "Thought: compute.\n<code>\nsquares = [n * n for n in range(1, 6)]\nprint(squares)\n</code>" },
      { kind: "reply", text: "Thought: sum them.\n<code>\nfinal_answer(sum(squares))\n</code>" },
    );
    const before = modelServer().requests.length;
    const run = capture();
    const code = await runCli(["Sum the squares of 1 to 5.", "--model", "openai:test-model", "--base-url", modelServer().baseURL], run.io);
    expect(run.stderr()).toBe("");
    expect(code).toBe(0);
    const out = run.stdout();
    expect(out).toContain("Step 1");
    expect(out).toContain("squares = [n * n for n in range(1, 6)]");
    expect(out).toContain("[1, 4, 9, 16, 25]");
    expect(out).toContain("Final answer");
    expect(out).toContain("55");
    expect(out).toMatch(/tokens/);
    expect(out).not.toMatch(/\x1b\[/); // not a TTY: no colour
    const requests = modelServer().requests.slice(before);
    expect(requests).toHaveLength(2);
    const body = requests[0]!.body as { model: string; stream: boolean; stop: string[]; messages: { role: string; content: string }[] };
    expect(body.model).toBe("test-model");
    expect(body.stream).toBe(true);
    expect(body.stop).toContain("</code>");
    expect(body.messages[0]!.role).toBe("system");
    const second = requests[1]!.body as { messages: { content: unknown }[] };
    expect(JSON.stringify(second.messages)).toContain("[1, 4, 9, 16, 25]");
  });

  test("--json prints one parseable event per line, ending with the result", async () => {
    modelServer().enqueue({ kind: "reply", text: "<code>\nfinal_answer('json works')\n</code>" });
    const run = capture();
    const code = await runCli(["Say it.", "--base-url", modelServer().baseURL, "--json"], run.io);
    expect(code).toBe(0);
    const events = run
      .stdout()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; result?: { output: unknown; state: string } });
    expect(events[0]!.type).toBe("run-start");
    expect(events.map((event) => event.type)).toContain("code");
    expect(events.at(-1)).toMatchObject({ type: "run-finish", result: { output: "json works", state: "success" } });
  });

  test("a model server that keeps failing ends the run with exit code 1 and the error", async () => {
    modelServer().enqueue({ kind: "error", status: 400, message: "bad request: context too long" });
    const run = capture();
    const code = await runCli(["Anything.", "--base-url", modelServer().baseURL], run.io);
    expect(code).toBe(1);
    expect(run.stderr()).toMatch(/ModelCallError[\s\S]*400|400[\s\S]*ModelCallError/);
  });

  test("no key and no base URL: exit 2, naming OPENAI_API_KEY and showing --base-url", async () => {
    const run = capture({});
    expect(await runCli(["What is 2 + 2?"], run.io)).toBe(2);
    expect(run.stderr()).toContain("OPENAI_API_KEY");
    expect(run.stderr()).toContain("--base-url");
  });

  test.each([
    [["a", "b"], /quotes/],
    [["task", "--max-steps", "zero"], /--max-steps/],
    [["task", "--executor", "firecracker"], /Unknown executor/],
    [["task", "--lang", "ruby"], /Unknown language/],
    [["task", "--executor", "monty", "--lang", "javascript", "--base-url", "http://127.0.0.1:9"], /runs python, not javascript/],
    [["task", "--model", "nope:x", "--base-url", "http://127.0.0.1:9"], /Unknown model provider/],
    [["task", "--tools", "no_such_tool", "--base-url", "http://127.0.0.1:9"], /Unknown tool/],
    [["--no-such-flag"], /Unknown option/],
  ])("bad usage %j exits 2 with a message", async (argv, message) => {
    const run = capture({});
    expect(await runCli(argv, run.io)).toBe(2);
    expect(run.stderr()).toMatch(message);
  });
});

describe("codeagent demo", () => {
  test("replays the recorded run through the real sandbox and tools, labelled as a replay", async () => {
    const run = capture();
    expect(await runCli(["demo", "--fast"], run.io)).toBe(0);
    const out = run.stdout();
    expect(out).toMatch(/recorded run \(ScriptedModel replay\)/);
    expect(out).toContain("KeyError");
    expect(out).toContain("Lyon holds the most stock: 11,380.00 USD, about 10,469.60 EUR.");
  });
});

describe("codeagent exec and the built binary", () => {
  test("exec prints logs and the value", async () => {
    const run = capture();
    expect(await runCli(["exec", "print('hi')\n6 * 7"], run.io)).toBe(0);
    expect(run.stdout()).toBe("hi\n42\n");
  });

  test("the installed command runs (dist/cli/main.js, as npx codeagent does)", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["dist/cli/main.js", "--version"], { timeout: 30_000 });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await promisify(execFile)(process.execPath, ["dist/cli/main.js", "--help"], { timeout: 30_000 });
    expect(help.stdout).toContain("codeagent demo");
  });
});

describe("codeagent models", () => {
  test("lists every provider, ready or with the line that sets it up", async () => {
    const run = capture({ OPENAI_API_KEY: "sk-test", OLLAMA_HOST: "box:11434" });
    expect(await runCli(["models"], run.io)).toBe(0);
    const out = run.stdout();
    expect(out).toMatch(/ready +openai:gpt-4o-mini +OPENAI_API_KEY is set/);
    expect(out).toMatch(/ready +ollama:\S+ +no key; the server at http:\/\/box:11434\/v1/);
    expect(out).toMatch(/ready +vllm:\S+ +no key; the server at http:\/\/127\.0\.0\.1:8000\/v1 \(VLLM_BASE_URL to change\)/);
    // ai is a dev dependency here, and brings @ai-sdk/gateway, which is not a provider the list names.
    expect(out).toMatch(/ai-sdk:\S+ +(installed: @ai-sdk\/openai-compatible|npm install @ai-sdk\/<provider>)/);
    expect(out).toMatch(/not set +hf:\S+ +export HF_TOKEN=\.\.\./);
    expect(out).not.toContain("sk-test");
  });

  test("--json gives the same as data", async () => {
    const run = capture({});
    expect(await runCli(["models", "--json"], run.io)).toBe(0);
    const statuses = JSON.parse(run.stdout()) as { provider: string; state: string; advice: string }[];
    expect(statuses.find((status) => status.provider === "openai")).toMatchObject({ state: "missing", advice: "export OPENAI_API_KEY=..." });
    expect(statuses.map((status) => status.provider)).toEqual(expect.arrayContaining(["openai", "hf", "ollama", "vllm", "lmstudio", "azure"]));
  });
});
