/**
 * The terminal approval prompt: shows the call, reads y/N, refuses without a TTY, asks one
 * question at a time, and keeps escape sequences in the model's arguments off the terminal.
 */
import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";

import { terminalApproval } from "../src/cli/approval-prompt.js";

function terminal(isTTY: boolean) {
  const input = Object.assign(new PassThrough(), { isTTY });
  let shown = "";
  const answers: string[] = [];
  // Types the next answer as soon as a question appears, as a person would.
  const output = {
    write(text: string) {
      shown += text;
      if (text.endsWith("[y/N] ")) setImmediate(() => input.write(`${answers.shift() ?? ""}\n`));
    },
  };
  return { input, output, answers, shown: () => shown };
}

const request = (args: Record<string, unknown>) => ({ tool: "delete_file", args, description: "Deletes a file." });

describe("terminalApproval", () => {
  test("shows the tool and its arguments; y approves, anything else refuses", async () => {
    const io = terminal(true);
    io.answers.push("y", "n", "", "YES");
    const approve = terminalApproval(io);
    expect(await approve(request({ path: "/tmp/a" }))).toBe(true);
    expect(io.shown()).toContain('delete_file(path="/tmp/a")');
    expect(await approve(request({ path: "/tmp/b" }))).toMatch(/refused/);
    expect(await approve(request({ path: "/tmp/c" }))).toMatch(/refused/);
    expect(await approve(request({ path: "/tmp/d" }))).toBe(true);
  });

  test("refuses without asking when there is no terminal", async () => {
    const io = terminal(false);
    const decision = await terminalApproval(io)(request({ path: "/x" }));
    expect(decision).toMatch(/no terminal/);
    expect(io.shown()).toBe("");
  });

  test("questions asked at once are asked in turn", async () => {
    const io = terminal(true);
    io.answers.push("y", "n");
    const approve = terminalApproval(io);
    const [first, second] = await Promise.all([approve(request({ path: "/1" })), approve(request({ path: "/2" }))]);
    expect(first).toBe(true);
    expect(second).toMatch(/refused/);
    expect(io.shown().indexOf('"/1"')).toBeLessThan(io.shown().indexOf('"/2"'));
  });

  test("input that ends refuses; escape sequences in arguments are not written", async () => {
    const io = terminal(true);
    const approve = terminalApproval({ input: io.input, output: { write: (text: string) => io.output.write(text.replace("[y/N] ", "[y/N]  ")) } });
    const pending = approve(request({ path: "\u001b[2J/etc" }));
    setImmediate(() => io.input.end());
    expect(await pending).toMatch(/refused/);
    expect(io.shown()).not.toContain("\u001b");
  });
});
