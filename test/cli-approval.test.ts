/**
 * A tool that needs approval, run from the `codeagent` command: the CLI asks at the terminal (on
 * stderr) and the answer decides inside the model's code; with no terminal the call is refused.
 */
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

import { runCli } from "../src/cli/run-cli.js";
import { capture } from "./fixtures/cli/run-cli-captured.js";
import { modelServerForThisFile } from "./fixtures/cli/model-server.js";

const modelServer = modelServerForThisFile();
const TOOLS = fileURLToPath(new URL("./fixtures/cli/guarded-tools.mjs", import.meta.url));
const STEP = "<code>\ntry:\n    said = delete_file(path='notes.txt')\nexcept Exception as error:\n    said = f'refused: {error}'\nfinal_answer(said)\n</code>";

/** A terminal whose user types `answer` once asked. */
function terminalAnswering(answer: string): PassThrough & { isTTY: boolean } {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  stdin.write(`${answer}\n`);
  return stdin;
}

describe("codeagent <task> with a tool that needs approval", () => {
  test.each([
    { answer: "y", output: "deleted notes.txt" },
    { answer: "n", output: /^refused: .*delete_file/ },
  ])("answering '$answer' at the terminal decides the call", async ({ answer, output }) => {
    modelServer().enqueue({ kind: "reply", text: STEP });
    const run = capture();
    run.io.stdin = terminalAnswering(answer);
    const code = await runCli(["Delete notes.txt.", "--base-url", modelServer().baseURL, "--tools", TOOLS, "--json"], run.io);
    expect(code).toBe(0);
    expect(run.stderr()).toMatch(/delete_file.*notes\.txt/s);
    const finish = JSON.parse(run.stdout().trim().split("\n").at(-1)!) as { result: { output: string } };
    expect(finish.result.output).toEqual(typeof output === "string" ? output : expect.stringMatching(output));
  });

  test("with no terminal the call is refused, and the model's code reads why", async () => {
    modelServer().enqueue({ kind: "reply", text: STEP });
    const run = capture();
    const code = await runCli(["Delete notes.txt.", "--base-url", modelServer().baseURL, "--tools", TOOLS, "--json"], run.io);
    expect(code).toBe(0);
    const finish = JSON.parse(run.stdout().trim().split("\n").at(-1)!) as { result: { output: string } };
    expect(finish.result.output).toMatch(/^refused: .*no terminal to ask for approval/);
  });
});
