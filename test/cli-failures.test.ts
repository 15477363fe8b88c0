/**
 * No failure prints a stack trace unless --verbose asks: a sandbox that cannot start (here a
 * Deno that dies at once, as with a corrupt snapshot) ends `codeagent exec` and a task with one
 * clear line and exit code 1, through the built command.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { failureLines } from "../src/cli/report-failure.js";
import { SandboxError } from "../src/errors.js";
import { spawnCli } from "./fixtures/cli/run-cli-captured.js";

const STACK_LINE = /^\s+at /m;

let directory: string;
let brokenSandboxEnv: NodeJS.ProcessEnv;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), "codeagent-cli-failures-"));
  const deno = join(directory, "deno-that-dies.sh");
  writeFileSync(deno, '#!/bin/sh\necho "error: Uncaught Error: snapshot is corrupt" >&2\necho "    at file:///sandbox.mjs:1:1" >&2\nexit 1\n');
  chmodSync(deno, 0o755);
  brokenSandboxEnv = { CODEAGENT_DENO: deno, CODEAGENT_CACHE_DIR: join(directory, "cache") };
});
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe("a sandbox that cannot start", () => {
  test("exec: one line naming the error, exit 1, no stack trace", async () => {
    const { code, stdout, stderr } = await spawnCli(["exec", "1 + 1"], { env: brokenSandboxEnv }).exited;
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^\nThe code could not be run: SandboxExitedError: The Python sandbox process .*\n$/);
    expect(stderr).not.toMatch(STACK_LINE);
  });

  test("a task: the same, through the agent", async () => {
    const { code, stderr } = await spawnCli(["Anything.", "--base-url", "http://127.0.0.1:9/v1"], { env: brokenSandboxEnv }).exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(/The run failed: SandboxExitedError: /);
    expect(stderr).not.toMatch(STACK_LINE);
  });

  test("--verbose shows the stack", async () => {
    const { code, stderr } = await spawnCli(["exec", "--verbose", "1 + 1"], { env: brokenSandboxEnv }).exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(STACK_LINE);
  });
});

describe("an error that escapes every command", () => {
  test("a tools module's timer that throws: one line, exit 1, no stack trace", async () => {
    writeFileSync(join(directory, "throws-later.mjs"), 'setTimeout(() => { throw new Error("thrown from a timer"); }, 0);\nawait new Promise(() => {});\n');
    const { code, stderr } = await spawnCli(["exec", "--tools", "./throws-later.mjs", "1"], { cwd: directory }).exited;
    expect(code).toBe(1);
    expect(stderr).toContain("codeagent stopped: Error: thrown from a timer");
    expect(stderr).not.toMatch(STACK_LINE);
  });
});

describe("failureLines", () => {
  test("an unexpected error: its first line and its cause's first line, a pointer to --verbose, no stack", () => {
    const error = new TypeError("first line\nsecond line", { cause: new RangeError("the cause\nmore detail") });
    expect(failureLines(error, "The run failed", false)).toEqual([
      "The run failed: TypeError: first line",
      "  Caused by RangeError: the cause",
      "  (Run with --verbose to see where it happened.)",
    ]);
    const verbose = failureLines(error, "The run failed", true);
    expect(verbose.at(-1)).toMatch(STACK_LINE);
  });

  test("our own errors: the message as written (it says what to do), no pointer", () => {
    expect(failureLines(new SandboxError("It broke.\nDo this."), "The run failed", false)).toEqual(["The run failed: SandboxError: It broke.\nDo this."]);
  });
});
