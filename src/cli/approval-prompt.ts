/**
 * Asks the person at the terminal whether a tool call may run: the `onApproval` the CLI gives an
 * agent. It shows the tool and its arguments and reads y/N; anything but "y"/"yes" refuses. With
 * no terminal to ask (input piped, a CI job), every call is refused: silence is not consent.
 */
import type { ApprovalRequest, OnApproval } from "../agents/approval.js";
import { formatToolCall } from "../render/format-value.js";
import { sanitizeText } from "../render/sanitize-text.js";
import { readTerminalLine, type TerminalInput, type TerminalOutput } from "../terminal-input.js";

/** Where {@link terminalApproval} asks and reads the answer. */
export interface TerminalApprovalOptions {
  /** Where answers are read, e.g. `process.stdin`; its `isTTY` says whether a person is there. */
  input: TerminalInput;
  /** Where the question goes, e.g. `process.stderr` (stdout may be piped to a file). */
  output: TerminalOutput;
  /** Longest argument shown, in characters; longer ones are shortened with `…`. Default 2,000. */
  maxArgumentChars?: number;
}

/**
 * An `onApproval` that asks at the terminal, one question at a time.
 *
 * @example
 * new CodeAgent({ model, tools, onApproval: terminalApproval({ input: process.stdin, output: process.stderr }) });
 */
export function terminalApproval(options: TerminalApprovalOptions): OnApproval {
  // Calls that run in parallel (a tool-calling agent) are asked about in turn, never interleaved.
  let queue: Promise<unknown> = Promise.resolve();
  return (request) => {
    const answer = queue.then(() => ask(request, options));
    queue = answer.catch(() => undefined);
    return answer;
  };
}

async function ask(request: ApprovalRequest, options: TerminalApprovalOptions): Promise<boolean | string> {
  if (options.input.isTTY !== true) {
    return "there is no terminal to ask for approval (input is not a TTY), so the call was refused";
  }
  // The arguments came from the model: escape sequences in them must not act on the terminal.
  const call = sanitizeText(formatToolCall(request.tool, { args: [], kwargs: request.args }, options.maxArgumentChars ?? 2_000));
  options.output.write(`\nThe agent wants to run:\n  ${call}\nAllow it? [y/N] `);
  const line = await readTerminalLine(options.input);
  const approved = line !== undefined && /^\s*y(es)?\s*$/i.test(line);
  if (!approved) options.output.write("Refused.\n");
  return approved ? true : "the user refused it at the terminal";
}
