/**
 * `user_input`: lets the model's code ask the person at the terminal a question and use the
 * answer. The question goes to stderr (stdout may be piped to a file), the answer is one line of
 * stdin. With no terminal on stdin there is nobody to ask, and the tool says so.
 */
import { z } from "zod";

import { sanitizeText } from "../../render/sanitize-text.js";
import { askInTurn, readTerminalLine, type TerminalInput, type TerminalOutput } from "../../terminal-input.js";
import { tool } from "../tool.js";

/** Options of {@link userInputTool}; the streams are injectable for tests and other front ends. */
export interface UserInputOptions {
  /** Where answers are read. Default `process.stdin`; it must be a TTY (`isTTY` true). */
  input?: TerminalInput;
  /** Where questions are written. Default `process.stderr`. */
  output?: TerminalOutput;
}

/** A tool that asks the person at the terminal: `user_input(question)` returns their answer. */
export function userInputTool(options: UserInputOptions = {}) {
  return tool({
    name: "user_input",
    description: "Asks the user a question at the terminal and returns their answer. Use it when you need information or a decision only the user has.",
    inputSchema: z.object({ question: z.string().min(1).describe("The question to ask the user") }),
    outputSchema: z.string(),
    // Questions asked at once (parallel tool calls, approval prompts) are put one after the other.
    execute: ({ question }, { signal }) => askInTurn(() => ask(question, options.input ?? process.stdin, options.output ?? process.stderr, signal)),
  });
}

async function ask(question: string, input: TerminalInput, output: TerminalOutput, signal: AbortSignal | undefined): Promise<string> {
  if (input.isTTY !== true) {
    throw new Error("user_input cannot ask anyone: standard input is not a terminal (the agent runs without a person at the keyboard). Carry on with what you know, or say in your final answer what you need.");
  }
  signal?.throwIfAborted();
  // The question comes from the model: its escape sequences must not act on the terminal.
  output.write(`\n${sanitizeText(question)}\n> `);
  const answer = await readTerminalLine(input, signal);
  if (answer === undefined) throw new Error("user_input got no answer: the input ended before the user replied.");
  return answer.trim();
}
