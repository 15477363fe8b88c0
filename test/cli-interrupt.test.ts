/**
 * Ctrl-C on the built command: the first one stops the run and prints what ran so far (steps,
 * tokens, time) with exit code 130 and no stack trace; a second one exits at once.
 */
import { describe, expect, test } from "vitest";

import { spawnCli } from "./fixtures/cli/run-cli-captured.js";
import { modelServerForThisFile } from "./fixtures/cli/model-server.js";

const modelServer = modelServerForThisFile();

const STACK_LINE = /^\s+at /m;

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("Ctrl-C", () => {
  test("while the model server is answering: the summary so far, exit 130, no stack trace", async () => {
    const before = modelServer().requests.length;
    modelServer().enqueue(
      { kind: "reply", text: "Thought: first.\n<code>\nprint('step one ran')\n</code>", usage: { inputTokens: 700, outputTokens: 30 } },
      { kind: "reply", text: "never sent", delayMs: 120_000 },
    );
    const cli = spawnCli(["Count slowly.", "--base-url", modelServer().baseURL]);
    await waitFor(() => modelServer().requests.length >= before + 2);
    cli.child.kill("SIGINT");
    const { code, stdout, stderr } = await cli.exited;
    expect(code).toBe(130);
    expect(stdout).toContain("step one ran");
    expect(stdout).toMatch(/⚠ interrupted \(Ctrl-C\) · 2 steps · 730 tokens \(700 in \/ 30 out\) · \d/);
    expect(stderr).not.toMatch(/The run failed|interrupted by Ctrl-C/);
    expect(stdout + stderr).not.toMatch(STACK_LINE);
  });

  test("with --json: a run-error event with interrupted: true and what ran so far", async () => {
    const before = modelServer().requests.length;
    modelServer().enqueue({ kind: "reply", text: "never sent", delayMs: 120_000 });
    const cli = spawnCli(["Count slowly.", "--base-url", modelServer().baseURL, "--json"]);
    await waitFor(() => modelServer().requests.length >= before + 1);
    cli.child.kill("SIGINT");
    const { code, stdout, stderr } = await cli.exited;
    expect(code).toBe(130);
    const last = JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ type: "run-error", interrupted: true, error: { type: "Interrupted" }, steps: 1 });
    expect(stderr).toBe("");
  });

  test("a second Ctrl-C exits at once, while the first is still stopping code that ignores interrupts", async () => {
    modelServer().enqueue({ kind: "reply", text: "<code>\nwhile True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass\n</code>" });
    const cli = spawnCli(["Loop.", "--base-url", modelServer().baseURL]);
    await cli.waitForOutput((stdout) => stdout.includes("except BaseException"));
    await new Promise((resolve) => setTimeout(resolve, 500));
    cli.child.kill("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 300));
    cli.child.kill("SIGINT");
    const { code, stdout, stderr } = await cli.exited;
    expect(code).toBe(130);
    // The first Ctrl-C's summary never came: the Python code swallows interrupts for seconds.
    expect(stdout).not.toContain("interrupted (Ctrl-C)");
    expect(stdout + stderr).not.toMatch(STACK_LINE);
  });

  test("Ctrl-C in a terminal signals the whole process group, the sandbox included: the same ending", async () => {
    modelServer().enqueue({ kind: "reply", text: "<code>\nprint('looping')\nwhile True:\n    pass\n</code>" });
    const cli = spawnCli(["Loop.", "--base-url", modelServer().baseURL], { processGroup: true });
    await cli.waitForOutput((stdout) => stdout.includes("while True"));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    process.kill(-cli.child.pid!, "SIGINT");
    const { code, stdout, stderr } = await cli.exited;
    expect(code).toBe(130);
    expect(stdout).toMatch(/⚠ interrupted \(Ctrl-C\) · 1 step · /);
    expect(stdout + stderr).not.toMatch(STACK_LINE);
    expect(stderr).not.toMatch(/The run failed/);
  });

  test("exec: Ctrl-C stops the code, exit 130", async () => {
    const cli = spawnCli(["exec", "while True:\n    pass"]);
    // Whether the sandbox is still starting or already looping, Ctrl-C ends the same way.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    cli.child.kill("SIGINT");
    const { code, stderr } = await cli.exited;
    expect(code).toBe(130);
    expect(stderr).toContain("Interrupted (Ctrl-C).");
    expect(stderr).not.toMatch(STACK_LINE);
  });
});
