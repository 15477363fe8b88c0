/**
 * Turns a parse failure of the model's JavaScript into the error the model reads: what is wrong,
 * the line, and a caret under the spot.
 */
import type { CodeError } from "../executor.js";

const BUILT_INS = "Use the built-in objects (Math, JSON, Date, RegExp, Map, Set, ...) and the tools you were given.";

/** What follows "The module 'x' cannot be loaded" in a sandbox given no modules. */
export const NO_MODULES_TAIL = `: this JavaScript sandbox has no modules of its own and no Node.js or browser APIs. ${BUILT_INS}`;

/** What follows the list of the user's modules when the code asks for another one. */
export const USER_MODULES_TAIL = `. There are no Node.js or browser APIs here. ${BUILT_INS}`;

/** Describes an error thrown by acorn's parser (or the host's stack limit while parsing). */
export function describeSyntaxError(error: unknown, code: string): CodeError {
  if (error instanceof RangeError) {
    return { type: "SyntaxError", message: "The code is nested too deeply to parse; flatten it." };
  }
  if (!(error instanceof SyntaxError)) throw error;
  const details = error as SyntaxError & { loc?: { line: number; column: number } };
  // acorn quotes the code in some messages (a redeclared name, a bad regular expression): cut long quotes.
  const reason = cut(details.message.replace(/\s*\(\d+:\d+\)$/, ""));
  if (details.loc === undefined) return { type: "SyntaxError", message: reason };
  return { type: "SyntaxError", message: `${reason} (line ${details.loc.line})${pointer(code, details.loc.line, details.loc.column)}` };
}

const MAX_REASON_CHARS = 2000;

function cut(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}...` : text;
}

/** The offending line, trimmed, with a caret under the column. */
function pointer(code: string, line: number, column: number): string {
  const text = code.split(/\r\n|\r|\n|\u2028|\u2029/)[line - 1];
  if (text === undefined || text.trim() === "") return "";
  const indent = text.length - text.trimStart().length;
  const trimmed = text.trim();
  if (trimmed.length > 200) return `\n    ${trimmed.slice(0, 200)}...`;
  return `\n    ${trimmed}\n    ${" ".repeat(Math.max(0, Math.min(column - indent, trimmed.length)))}^`;
}
