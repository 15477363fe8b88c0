/**
 * The messages a sandbox process sends the host, and their checks. The sandbox is untrusted: every
 * message is validated here before the host acts on it (sandbox.mjs builds them on the other side).
 */

/** A run's raw result as the sandbox reports it. */
export interface SandboxRunResult {
  logs: string;
  result: { output: unknown; isFinalAnswer: boolean; error: { type: string; message: string } | null };
}

/** A tool call made by Python: the tool's name and its JSON arguments. */
export interface SandboxToolCall {
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** The JSON object after the token, if the line holds one with a `type`. */
export function parseMessage(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) && typeof value["type"] === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function toToolCall(request: unknown): SandboxToolCall | undefined {
  if (!isPlainObject(request)) return undefined;
  const { name, args, kwargs } = request;
  if (typeof name !== "string" || !Array.isArray(args) || !isPlainObject(kwargs)) return undefined;
  return { name, args, kwargs };
}

export function isRunResult(message: Record<string, unknown>): boolean {
  const result = message["result"];
  return (
    typeof message["logs"] === "string" &&
    isPlainObject(result) &&
    typeof result["isFinalAnswer"] === "boolean" &&
    (result["error"] === null || (isPlainObject(result["error"]) && typeof result["error"]["type"] === "string" && typeof result["error"]["message"] === "string"))
  );
}
