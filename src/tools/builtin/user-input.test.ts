import { PassThrough } from "node:stream";
import { expect, test } from "vitest";

import { invokeTool } from "../invoke-tool.js";
import { userInputTool } from "./user-input.js";

/** A stand-in terminal: what the tool writes, and a way to type. */
function terminal(isTTY: boolean) {
  const input = Object.assign(new PassThrough(), { isTTY });
  const output = new PassThrough();
  let written = "";
  output.on("data", (chunk: Buffer) => (written += chunk.toString()));
  return { input, output, written: () => written };
}

const ask = (tool: ReturnType<typeof userInputTool>, question: string, signal?: AbortSignal) => invokeTool(tool, { args: [question], kwargs: {} }, { signal });

test("asks the question on the output and returns the line typed", async () => {
  const term = terminal(true);
  const answer = ask(userInputTool(term), "Which city?");
  await expect.poll(term.written).toContain("Which city?");
  term.input.write("  Lyon \n");
  await expect(answer).resolves.toBe("Lyon");
});

test("without a terminal it fails at once, saying why", async () => {
  const term = terminal(false);
  await expect(ask(userInputTool(term), "Anyone?")).rejects.toThrow(/standard input is not a terminal/);
  expect(term.written()).toBe("");
});

test("input that ends before an answer is an error, and an abort ends the wait", async () => {
  const ended = terminal(true);
  const answer = ask(userInputTool(ended), "Still there?");
  ended.input.end();
  await expect(answer).rejects.toThrow(/the input ended before the user replied/);

  const waiting = terminal(true);
  const controller = new AbortController();
  const reason = new Error("run cancelled");
  const pending = ask(userInputTool(waiting), "Hello?", controller.signal);
  controller.abort(reason);
  await expect(pending).rejects.toBe(reason);
});

test("questions asked at once are put one after the other, each answered by its own line", async () => {
  const term = terminal(true);
  const tool = userInputTool(term);
  const first = ask(tool, "First?");
  const second = ask(tool, "Second?");
  await expect.poll(term.written).toContain("First?");
  expect(term.written()).not.toContain("Second?");
  term.input.write("one\n");
  await expect(first).resolves.toBe("one");
  await expect.poll(term.written).toContain("Second?");
  term.input.write("two\n");
  await expect(second).resolves.toBe("two");
});

test("escape sequences in the model's question do not reach the terminal", async () => {
  const term = terminal(true);
  const answer = ask(userInputTool(term), "Name?\u001b]0;pwned\u0007\u001b[2J");
  await expect.poll(term.written).toContain("Name?");
  term.input.write("x\n");
  await answer;
  expect(term.written()).not.toContain("\u001b");
});
