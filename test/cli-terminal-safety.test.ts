/**
 * Nothing from a sandbox or a model server drives the user's terminal: every kind of escape
 * sequence (window title, OSC 52 clipboard, hyperlinks, screen clears, cursor moves, DCS/APC/PM,
 * 8-bit C1 forms, bidi overrides) is fed through `codeagent exec` and through a server's error
 * body, and none reaches stdout or stderr, as text or as JSON.
 */
import { describe, expect, test } from "vitest";

import { runCaptured } from "./fixtures/cli/run-cli-captured.js";
import { TERMINAL_ESCAPES, UNSAFE_FOR_TERMINAL } from "./fixtures/cli/terminal-escapes.js";
import { modelServerForThisFile } from "./fixtures/cli/model-server.js";

const modelServer = modelServerForThisFile();

/** All the escapes in one string, as a literal both Python and JavaScript read. */
const HOSTILE = JSON.stringify(TERMINAL_ESCAPES.map((escape) => `<${escape.text}>`).join(""));

/**
 * No character a terminal acts on is printed. Where the text is printed as it is (not as source
 * code or JSON, which show escapes as `\u001b` text), the sequences' payloads are gone too.
 */
function expectClean(output: { stdout: string; stderr: string }, printedAsText = false): void {
  expect(output.stdout).not.toMatch(UNSAFE_FOR_TERMINAL);
  expect(output.stderr).not.toMatch(UNSAFE_FOR_TERMINAL);
  if (printedAsText) expect(output.stdout + output.stderr).not.toContain("payload");
}

describe("codeagent exec", () => {
  test.each([
    ["logs", `print(${HOSTILE})`, 0, true],
    ["the value", `${HOSTILE}`, 0, true],
    ["a structured value", `{"k": ${HOSTILE}}`, 0, false],
    ["an error message", `raise ValueError(${HOSTILE})`, 1, false],
  ])("python: escapes in %s never reach the terminal", async (_where, code, exitCode, printedAsText) => {
    const output = await runCaptured(["exec", code]);
    expect(output.code).toBe(exitCode);
    expectClean(output, printedAsText);
    expect(output.stdout + output.stderr).toContain("<>");
  });

  test("javascript (quickjs): escapes in logs, value and error never reach the terminal", async () => {
    for (const code of [`console.log(${HOSTILE}); ${HOSTILE}`, `throw new Error(${HOSTILE})`, `[${HOSTILE}]`]) {
      const output = await runCaptured(["exec", "--executor", "quickjs", code]);
      expectClean(output);
      expect(output.stdout + output.stderr).toContain("<>");
    }
  });

  test("--json keeps the exact text, escaped so that the line is safe to print", async () => {
    const output = await runCaptured(["exec", "--json", `print(${HOSTILE})\n${HOSTILE}`]);
    expect(output.code).toBe(0);
    expect(output.stdout).not.toMatch(UNSAFE_FOR_TERMINAL);
    const result = JSON.parse(output.stdout) as { logs: string; output: string };
    expect(result.logs).toBe(`${JSON.parse(HOSTILE) as string}\n`);
    expect(result.output).toBe(JSON.parse(HOSTILE));
  });
});

describe("codeagent <task>", () => {
  test("a model server's error body never reaches stderr raw", async () => {
    modelServer().enqueue({ kind: "error", status: 400, message: JSON.parse(HOSTILE) as string });
    const output = await runCaptured(["Anything.", "--base-url", modelServer().baseURL]);
    expect(output.code).toBe(1);
    expect(output.stderr).toContain("ModelCallError");
    expectClean(output, true);
  });

  test("with --json, the error body is escaped in the run-error event", async () => {
    modelServer().enqueue({ kind: "error", status: 400, message: JSON.parse(HOSTILE) as string });
    const output = await runCaptured(["Anything.", "--base-url", modelServer().baseURL, "--json"]);
    expect(output.code).toBe(1);
    expect(output.stdout).not.toMatch(UNSAFE_FOR_TERMINAL);
    const last = JSON.parse(output.stdout.trim().split("\n").at(-1)!) as { type: string; error: { message: string } };
    expect(last.type).toBe("run-error");
    expect(last.error.message).toContain(JSON.parse(HOSTILE) as string);
  });

  // The reply streams in pieces of 4 characters (sequences are cut apart) and the code shows its
  // escapes as source text: payloads may show as text here, but no control character does.
  test("escapes in the model's reply, the code's logs and the final answer never reach the terminal", async () => {
    modelServer().enqueue({ kind: "reply", text: `Thought: ${JSON.parse(HOSTILE) as string}\n<code>\nprint(${HOSTILE})\nfinal_answer(${HOSTILE})\n</code>` });
    const output = await runCaptured(["Anything.", "--base-url", modelServer().baseURL, "--verbose"]);
    expect(output.code).toBe(0);
    expectClean(output);
  });
});
