/**
 * Reading one line the person at the terminal types, for what asks them (`user_input`, approval),
 * and the stream shapes those take, declared here so that codeagent's public types need no
 * `@types/node` in the user's project.
 */
import { createInterface } from "node:readline";

/** Where typed lines are read: `process.stdin`, or a `PassThrough` in tests. */
export interface TerminalInput {
  /** True when a person is at a terminal; nothing is asked otherwise. */
  readonly isTTY?: boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Where a question is written: `process.stderr`, say (stdout may be piped to a file). */
export interface TerminalOutput {
  write(text: string): unknown;
}

/** The questions of this process, asked one after another: one typed line answers one question only. */
let turn: Promise<unknown> = Promise.resolve();

/**
 * Runs `ask` when every question asked before it (by any tool or prompt of this process) has been
 * answered: two prompts reading the terminal at once would both take the same typed line.
 */
export function askInTurn<T>(ask: () => Promise<T>): Promise<T> {
  const answer = turn.then(ask);
  turn = answer.catch(() => undefined);
  return answer;
}

/** The next line typed, or undefined when the input ends first; rejects with the reason when `signal` aborts. */
export function readTerminalLine(input: TerminalInput, signal?: AbortSignal): Promise<string | undefined> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: input as unknown as NodeJS.ReadableStream, terminal: false });
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      settle();
      lines.close();
    };
    const onAbort = () => finish(() => reject(signal?.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    lines.once("line", (line) => finish(() => resolve(line)));
    lines.once("close", () => finish(() => resolve(undefined)));
  });
}
