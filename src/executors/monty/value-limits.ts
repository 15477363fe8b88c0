/**
 * The size limits on what leaves the Monty sandbox process: a value's JSON (a result, a final
 * answer, a tool call's arguments) may not exceed `maxValueChars`, and an error message is cut.
 * The sandbox checks before sending; the host's line limit backs the check up.
 */

/** A tool call as the sandbox hands it to the host. */
export interface SandboxToolCall {
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** The host's answer to a tool call (the JSON `answerToolCall` writes, parsed). */
export type ToolReply = { ok: true; value: unknown } | { ok: false; error: { type: string; message: string } };

/** Sends a tool call to the host and waits for its answer. */
export type ToolCaller = (call: SandboxToolCall) => Promise<ToolReply>;

/** Error messages longer than this are cut: a traceback is never that long, a hostile message may be. */
export const MAX_ERROR_CHARS = 10_000;

/**
 * The JSON text of `value` (a plain value, from `toPlain`), or the error the code gets when it is
 * longer than `maxChars`. `what` names the value: "The final answer".
 */
export function checkedJson(what: string, value: unknown, maxChars: number): { json: string; error?: undefined } | { error: string } {
  const json = JSON.stringify(value) ?? "null";
  if (json.length <= maxChars) return { json };
  return { error: tooLargeMessage(what, json.length.toLocaleString("en-US"), maxChars) };
}

/** The error the code gets for a value of `size` characters of JSON, past `maxChars`. */
export function tooLargeMessage(what: string, size: string, maxChars: number): string {
  return (
    `${what} is ${size} characters as JSON, more than the sandbox lets out ` +
    `(maxValueChars: ${maxChars.toLocaleString("en-US")}). Return less: print a summary (counts, the first items), or keep the data in a variable and work on it in the next step.`
  );
}

/** `message`, cut to {@link MAX_ERROR_CHARS} with a note. */
export function boundedMessage(message: string): string {
  if (message.length <= MAX_ERROR_CHARS) return message;
  return `${message.slice(0, MAX_ERROR_CHARS)}... [message cut: ${(message.length - MAX_ERROR_CHARS).toLocaleString("en-US")} more characters]`;
}
