import { safeJsonStringify } from "./safe-json.js";
import type { ToolCallRecord } from "../agents/memory-steps.js";

/**
 * A value as a user reads it: strings as they are, everything else as indented JSON.
 *
 * @param value - A final answer, a code output, a tool result.
 * @returns Text to print (not yet sanitised).
 */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  return toJsonText(value, 2);
}

/**
 * A tool call as the model's code made it: `name(arg, key=value)`, each argument as compact
 * JSON and shortened to `maxArgumentChars`.
 *
 * @param name - The tool's name.
 * @param callArguments - The positional and keyword arguments.
 * @param maxArgumentChars - Length beyond which an argument is shortened with `…`.
 */
export function formatToolCall(name: string, callArguments: ToolCallRecord["arguments"], maxArgumentChars: number): string {
  const positional = callArguments.args.map((value) => shorten(compactJson(value), maxArgumentChars));
  const keywords = Object.entries(callArguments.kwargs).map(([key, value]) => `${key}=${shorten(compactJson(value), maxArgumentChars)}`);
  return `${name}(${[...positional, ...keywords].join(", ")})`;
}

/**
 * A value on one line, shortened to `maxChars` with `…`.
 *
 * @param value - Any value.
 * @param maxChars - Longest text returned.
 */
export function formatInline(value: unknown, maxChars: number): string {
  return shorten(typeof value === "string" ? value : compactJson(value), maxChars).replace(/\n/g, "↵");
}

/**
 * A count with thousands separators: `12,345`.
 *
 * @param count - A non-negative integer.
 */
export function formatCount(count: number): string {
  return count.toLocaleString("en-US");
}

/**
 * A duration in seconds: `0.42s`, `2.3s`, `1m 05s`.
 *
 * @param durationMs - Milliseconds.
 */
export function formatDuration(durationMs: number): string {
  const milliseconds = Math.max(0, durationMs);
  if (milliseconds < 1_000) return `${(milliseconds / 1_000).toFixed(2)}s`;
  if (milliseconds < 60_000) return `${(milliseconds / 1_000).toFixed(1)}s`;
  const totalSeconds = Math.round(milliseconds / 1_000);
  return `${Math.floor(totalSeconds / 60)}m ${String(totalSeconds % 60).padStart(2, "0")}s`;
}

function compactJson(value: unknown): string {
  return toJsonText(value, undefined);
}

function toJsonText(value: unknown, space: number | undefined): string {
  try {
    return safeJsonStringify(value, space) ?? String(value);
  } catch {
    // A `toJSON` or a getter threw: say what the value is rather than fail the rendering.
    return Object.prototype.toString.call(value);
  }
}

function shorten(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(1, maxChars - 1))}…`;
}
