/**
 * The messages between the host and a Monty sandbox process (`sandbox-child.ts`), one JSON object
 * per line over the child's stdin and stdout. Declared once here, encoded by one function, and
 * checked on arrival by the side that reads them: the host treats anything the child sends as
 * untrusted (native code that faulted may have been steered), so a message of the wrong shape
 * ends the child rather than reaching the host's logic.
 */
import type { CodeError } from "../executor.js";
import type { StopReason } from "../run-errors.js";

/** Names the sandbox uses for itself start with this: they are never saved, and no variable may take one. */
export const INTERNAL_PREFIX = "__codeagent_";

/** The executor's settings a run needs; sent with every run, so a pooled child serves any executor. */
export interface RunSettings {
  authorizedImports: string[];
  /** Null for no limit (JSON has no Infinity). */
  timeoutMs: number | null;
  maxOutputChars: number;
  memoryLimitMb: number;
  maxValueChars: number;
}

/** Host → child. `variables` and `run` are answered with `done` and `result` carrying their id. */
export type HostMessage =
  | { type: "variables"; id: number; json: string }
  | { type: "run"; id: number; code: string; tools: string[]; settings: RunSettings }
  /** The answer to a tool call: `answerToolCall`'s JSON text. */
  | { type: "tool-result"; callId: number; reply: string }
  /** Stop run `id` at its next pause. */
  | { type: "stop"; id: number; reason: StopReason };

/** Child → host. */
export type ChildMessage =
  | { type: "ready" }
  | { type: "done"; id: number; error?: string }
  | { type: "tool-call"; callId: number; name: string; args: unknown[]; kwargs: Record<string, unknown> }
  | { type: "result"; id: number; output: unknown; logs: string; isFinalAnswer: boolean; error?: CodeError };

/** The line that carries `message`. */
export function encodeMessage(message: HostMessage | ChildMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** A line from the child as a message, or undefined when it is not one the protocol allows. */
export function parseChildMessage(line: string): ChildMessage | undefined {
  const message = parseObject(line);
  if (message === undefined) return undefined;
  switch (message["type"]) {
    case "ready":
      return { type: "ready" };
    case "done":
      if (!isId(message["id"]) || !optional(message["error"], isString)) return undefined;
      return message as ChildMessage;
    case "tool-call":
      if (!isId(message["callId"]) || !isString(message["name"]) || !Array.isArray(message["args"]) || !isObject(message["kwargs"])) return undefined;
      return message as ChildMessage;
    case "result":
      if (!isId(message["id"]) || !isString(message["logs"]) || typeof message["isFinalAnswer"] !== "boolean") return undefined;
      if (!optional(message["error"], isCodeError) || !("output" in message)) return undefined;
      return message as ChildMessage;
    default:
      return undefined;
  }
}

/** A line from the host as a message, or undefined. */
export function parseHostMessage(line: string): HostMessage | undefined {
  const message = parseObject(line);
  if (message === undefined) return undefined;
  switch (message["type"]) {
    case "variables":
      return isId(message["id"]) && isString(message["json"]) ? (message as HostMessage) : undefined;
    case "run":
      return isId(message["id"]) && isString(message["code"]) && isStringArray(message["tools"]) && isSettings(message["settings"])
        ? (message as HostMessage)
        : undefined;
    case "tool-result":
      return isId(message["callId"]) && isString(message["reply"]) ? (message as HostMessage) : undefined;
    case "stop":
      return isId(message["id"]) && (message["reason"] === "timeout" || message["reason"] === "abort") ? (message as HostMessage) : undefined;
    default:
      return undefined;
  }
}

function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

function isId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(isString);
}

function optional(value: unknown, check: (value: unknown) => boolean): boolean {
  return value === undefined || check(value);
}

function isCodeError(value: unknown): value is CodeError {
  return isObject(value) && isString(value["type"]) && isString(value["message"]);
}

function isSettings(value: unknown): value is RunSettings {
  if (!isObject(value) || !isStringArray(value["authorizedImports"])) return false;
  if (value["timeoutMs"] !== null && typeof value["timeoutMs"] !== "number") return false;
  return ["maxOutputChars", "memoryLimitMb", "maxValueChars"].every((key) => typeof value[key] === "number");
}
