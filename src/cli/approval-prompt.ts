/**
 * Asks the person at the terminal whether a tool call may run: the `onApproval` the CLI gives an
 * agent. It shows the tool and its arguments and reads y/N; anything but "y"/"yes" refuses. With
 * no terminal to ask (input piped, a CI job), every call is refused: silence is not consent.
 */
import type { ApprovalRequest, OnApproval } from "../agents/approval.js";
import { formatToolCall } from "../render/format-value.js";
import { sanitizeText } from "../render/sanitize-text.js";
import { askInTurn, readTerminalLine, type TerminalInput, type TerminalOutput } from "../terminal-input.js";

/** Where {@link terminalApproval} asks and reads the answer. */
export interface TerminalApprovalOptions {
  /** Where answers are read, e.g. `process.stdin`; its `isTTY` says whether a person is there. */
  input: TerminalInput;
  /** Where the question goes, e.g. `process.stderr` (stdout may be piped to a file). */
  output: TerminalOutput;
  /** Longest call shown, in characters: a longer one is refused, never shown in part. Default 20,000. */
  maxArgumentChars?: number;
}

/**
 * An `onApproval` that asks at the terminal, one question at a time.
 *
 * @example
 * new CodeAgent({ model, tools, onApproval: terminalApproval({ input: process.stdin, output: process.stderr }) });
 */
export function terminalApproval(options: TerminalApprovalOptions): OnApproval {
  // Calls that run in parallel (a tool-calling agent), and user_input's questions, are asked in turn.
  return (request) => askInTurn(() => ask(request, options));
}

async function ask(request: ApprovalRequest, options: TerminalApprovalOptions): Promise<boolean | string> {
  if (options.input.isTTY !== true) {
    return "there is no terminal to ask for approval (input is not a TTY), so the call was refused";
  }
  request.signal?.throwIfAborted();
  // The person approves exactly what runs: the arguments are shown whole, never shortened, and
  // arguments too long to read at a terminal are refused rather than shown in part.
  const limit = options.maxArgumentChars ?? 20_000;
  const whole = formatToolCall(request.tool, { args: [], kwargs: request.args }, Number.MAX_SAFE_INTEGER);
  if (whole.length > limit) {
    options.output.write(`\nThe agent wanted to run ${sanitizeText(request.tool)} with ${whole.length.toLocaleString("en-US")} characters of arguments: too long to show, refused.\n`);
    return `its arguments (${whole.length.toLocaleString("en-US")} characters) are too long to show at the terminal for approval; make the call with less`;
  }
  // The arguments came from the model: escape sequences in them must not act on the terminal.
  options.output.write(`\nThe agent wants to run:\n  ${sanitizeText(whole)}\nAllow it? [y/N] `);
  const line = await readTerminalLine(options.input, request.signal);
  const approved = line !== undefined && /^\s*y(es)?\s*$/i.test(line);
  if (!approved) options.output.write("Refused.\n");
  return approved ? true : "the user refused it at the terminal";
}
