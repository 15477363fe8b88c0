import { AgentError, ToolArgumentError } from "../errors.js";
import { invokeTool } from "../tools/invoke-tool.js";
import type { Tool } from "../tools/tool.js";
import type { CallingLanguage } from "../tools/type-names.js";
import type { RunOptions } from "./executor.js";
import { toJsonText } from "./json-text.js";
import { fromWire, WireValueError } from "./wire-values.js";

/** A tool call as sandboxed code made it: the name and JSON arguments. */
export interface SandboxedToolCall {
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/**
 * Runs a tool call from sandboxed code on the host and answers with the JSON text the sandbox
 * reads: `{"ok":true,"value":...}`, or `{"ok":false,"error":{type,message}}` with
 * `ToolArgumentError` for bad arguments (a malformed bytes or image tag among them) and `ToolError`
 * otherwise. Tells the observer before and after.
 */
export async function answerToolCall(
  tools: ReadonlyMap<string, Tool>,
  call: SandboxedToolCall,
  language: CallingLanguage,
  signal: AbortSignal,
  observer: Pick<RunOptions, "onToolCall" | "onToolResult">,
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
    // The observer gets the value as the code saw it (JSON), so memory holding it stays serialisable.
    observer.onToolResult?.({ ...record, result: JSON.parse(json) as unknown, durationMs: performance.now() - started });
    return `{"ok":true,"value":${json}}`;
  } catch (error) {
    const type = error instanceof ToolArgumentError ? "ToolArgumentError" : "ToolError";
    const message = error instanceof Error ? error.message : String(error);
    observer.onToolResult?.({ ...record, error: message, durationMs: performance.now() - started });
    return JSON.stringify({ ok: false, error: { type, message } });
  }
}
