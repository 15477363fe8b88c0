/** `codeagent ui` run in-process as the CLI runs it: the address it prints, and Ctrl-C. */
import { Readable } from "node:stream";

import { runCli } from "../../src/cli/run-cli.js";

/** A `codeagent ui` going on. */
export interface UiFromCli {
  /** The address it printed to open, with its token. */
  url: string;
  /** Everything it printed so far. */
  printed(): string;
  /** Ctrl-C; then await `exit`. */
  interrupt(): void;
  exit: Promise<number>;
}

/** Runs `codeagent ui <args>` until it prints the address to open. */
export async function uiFromCli(args: string[]): Promise<UiFromCli> {
  const stop = new AbortController();
  let printed = "";
  const io = {
    stdout: { write: (text: string) => (printed += text) },
    stderr: { write: (text: string) => (printed += text) },
    stdin: Readable.from([]),
    env: { OPENAI_API_KEY: "sk-test" },
    cwd: process.cwd(),
    signal: stop.signal,
  };
  const exit = runCli(["ui", ...args], io);
  while (!/open (http:\S+)/.test(printed)) {
    const early = await Promise.race([exit, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 20))]);
    if (early !== undefined) throw new Error(`codeagent ui exited with ${early} before printing its address:\n${printed}`);
  }
  return { url: /open (http:\S+)/.exec(printed)![1]!, printed: () => printed, interrupt: () => stop.abort(), exit };
}
