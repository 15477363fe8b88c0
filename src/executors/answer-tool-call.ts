import { AgentError, ToolArgumentError } from "../errors.js";
import { invokeTool } from "../tools/invoke-tool.js";
import type { Tool } from "../tools/tool.js";
import type { CallingLanguage } from "../tools/type-names.js";
import type { RunOptions } from "./executor.js";
import { toJsonText } from "./json-text.js";
import { fromWire, WireValueError } from "./wire-values.js";

/** How much of a tool's error message the code gets: a tool's message may quote whole inputs. */
const MAX_TOOL_ERROR_CHARS = 10_000;

/** A tool's result too large for the sandbox: each runtime raises its language's error for it (ValueError, RangeError). */
class ResultTooLargeError extends AgentError {}

function tooLargeResultMessage(name: string, length: number, maxValueChars: number): string {
  return (
    `The JSON of ${name}()'s result is ${length.toLocaleString("en-US")} characters, more than the sandbox takes in ` +
    `(maxValueChars: ${maxValueChars.toLocaleString("en-US")}). Ask the tool for less at a time.`
  );
}

/** A tool call as sandboxed code made it: the name and JSON arguments. */
export interface SandboxedToolCall {
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/**
 * Runs a tool call from sandboxed code on the host and answers with the JSON text the sandbox
 * reads: `{"ok":true,"value":...}`, or `{"ok":false,"error":{type,message}}` with
 * `ToolArgumentError` for bad arguments (a malformed bytes or image tag among them), `ValueTooLarge`
 * for a result over `maxValueChars` of JSON, and `ToolError` otherwise. Tells the observer before and after.
 */
export async function answerToolCall(
  tools: ReadonlyMap<string, Tool>,
  call: SandboxedToolCall,
  language: CallingLanguage,
  signal: AbortSignal,
  observer: Pick<RunOptions, "onToolCall" | "onToolResult">,
  maxValueChars = Number.POSITIVE_INFINITY,
): Promise<string> {
  const started = performance.now();
  let args: SandboxedToolCall["args"];
  let kwargs: SandboxedToolCall["kwargs"];
  try {
    // Bytes and images arrive tagged (wire-values.ts): the tool gets a Uint8Array or an ImagePart.
    ({ args, kwargs } = fromWire({ args: call.args, kwargs: call.kwargs }) as Pick<SandboxedToolCall, "args" | "kwargs">);
  } catch (error) {
    if (!(error instanceof WireValueError)) throw error;
    return JSON.stringify({ ok: false, error: { type: "ToolArgumentError", message: `${call.name}() got an argument that cannot be read: ${error.message}` } });
  }
  const record = { name: call.name, arguments: { args, kwargs } };
  observer.onToolCall?.(record);
  const tool = tools.get(call.name);
  try {
    if (tool === undefined) throw new AgentError(`there is no tool named '${call.name}'`);
    const value = await invokeTool(tool, { args, kwargs, language }, { signal });
    const json = toJsonText(value);
    // The sandbox must never have to hold more than its limit, whatever a tool returns.
    if (json.length > maxValueChars) throw new ResultTooLargeError(tooLargeResultMessage(call.name, json.length, maxValueChars));
    // The observer gets the value as the code saw it (JSON), so memory holding it stays serialisable.
    observer.onToolResult?.({ ...record, result: JSON.parse(json) as unknown, durationMs: performance.now() - started });
    return `{"ok":true,"value":${json}}`;
  } catch (error) {
    const type = error instanceof ToolArgumentError ? "ToolArgumentError" : error instanceof ResultTooLargeError ? "ValueTooLarge" : "ToolError";
    const full = error instanceof Error ? error.message : String(error);
    const message = full.length > MAX_TOOL_ERROR_CHARS ? `${full.slice(0, MAX_TOOL_ERROR_CHARS)}... [${(full.length - MAX_TOOL_ERROR_CHARS).toLocaleString("en-US")} more characters cut]` : full;
    observer.onToolResult?.({ ...record, error: message, durationMs: performance.now() - started });
    return JSON.stringify({ ok: false, error: { type, message } });
  }
}
