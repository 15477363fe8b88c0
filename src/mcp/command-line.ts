/**
 * `--mcp` values: an http(s) URL is a streamable HTTP server; anything else is a command line,
 * split into words the way a POSIX shell would for the simple cases (spaces separate words;
 * single quotes keep everything; double quotes keep spaces; a backslash escapes one character).
 * No variables, globs or pipes: the command is started directly, not through a shell.
 */
import type { McpServerSpec } from "./mcp-client.js";

/** The spec an `--mcp` value names; throws `Error` with a usage message when it is empty or badly quoted. */
export function mcpSpecFromFlag(value: string, env?: Record<string, string | undefined>): McpServerSpec {
  const trimmed = value.trim();
  if (/^https?:\/\//i.test(trimmed)) return { url: trimmed };
  const [command, ...args] = splitCommandLine(trimmed);
  if (command === undefined) {
    throw new Error(`--mcp needs a command line in quotes (e.g. --mcp "npx -y @modelcontextprotocol/server-everything") or an http(s) URL.`);
  }
  return { command, args, ...(env === undefined ? {} : { env }) };
}

/** Splits a command line into words; throws `Error` for an unclosed quote. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (char === "\\" && index + 1 < line.length && (quote === undefined || /["\\$`]/.test(line[index + 1]!))) {
      index += 1;
      word = (word ?? "") + line[index];
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      word ??= "";
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + char;
    }
  }
  if (quote !== undefined) throw new Error(`--mcp "${line}": a ${quote === "'" ? "single" : "double"} quote is not closed.`);
  if (word !== undefined) words.push(word);
  return words;
}
