/**
 * The bridge protocol between the host and every sandbox that runs a runtime of ours (Pyodide,
 * CPython on this machine, in a container or a vendor's VM): one JSON object per line, each line
 * from the sandbox prefixed with the session's secret token. Values cross as JSON only: bytes and
 * images as tagged objects (wire-values.ts), never anything that runs code when read. The sandbox
 * is untrusted: every message it sends is checked here before the host acts on it.
 *
 * Host to sandbox ({@link HostMessage}): configure, modules, tools, variables, run, tool-result, interrupt.
 * Sandbox to host: ready, done, result, tool-call, error, fatal (checked by {@link parseMessage}).
 */

/** What the host sends. Requests carry an `id` the sandbox answers with `done`, `result` or `error`. */
export type HostMessage =
  | {
      type: "configure";
      id: number;
      authorizedImportsJson: string;
      memoryLimitMb: number;
      maxOutputChars: number;
      maxValueChars: number;
      toolsJson: string;
    }
  /** The user's helper modules (`SandboxModule[]` as JSON): made importable, and imported at once. */
  | { type: "modules"; id: number; modulesJson: string }
  | { type: "tools"; id: number; toolsJson: string }
  | { type: "variables"; id: number; json: string }
  | { type: "run"; id: number; code: string; timeLimitNote: string; timeoutMs: number }
  /**
   * The answer to tool call `id`: `{"ok":true,"value":...}` or `{"ok":false,"error":{type,message}}`,
   * as JSON text. The error's type: `ToolArgumentError`, `ValueTooLarge` (the result's JSON is over
   * `maxValueChars`), `interrupted` (the run is being stopped) or `ToolError`.
   */
  | { type: "tool-result"; id: number; reply: string }
  /** Stop run `run` (a late interrupt names a run that is over, and is dropped). */
  | { type: "interrupt"; run: number };

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** A request as the executor makes it; the session gives it its id. */
export type HostRequest = WithoutId<Extract<HostMessage, { type: "configure" | "modules" | "tools" | "variables" | "run" }>>;

/** A run's raw result as the sandbox reports it. */
export interface SandboxRunResult {
  logs: string;
  result: { output: unknown; isFinalAnswer: boolean; error: { type: string; message: string } | null };
  /**
   * Set when the sandbox must not run code again, and why (QuickJS: the run left promise jobs that
   * could not be stopped): the host replaces it at once, and the next run says the state is gone.
   */
  retire?: string;
}

/** A tool call made by Python: the tool's name and its JSON arguments. */
export interface SandboxToolCall {
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/**
 * The longest error text the host takes from a sandbox: the runtime cuts a Python error's message
 * at 20,000 characters and adds a note; anything longer was not sent by the runtime.
 */
const MAX_ERROR_TEXT = 21_000;

/** What a run's result may hold: the executor's limits. */
export interface ResultLimits {
  maxOutputChars: number;
  maxValueChars: number;
}

/** How much longer the host's JSON of a value may be than the runtime's own, for the same value. */
const VALUE_SLACK = 6;

/** Room for the note the sandbox adds to logs it cut ("[output truncated: ...]"). */
const TRUNCATION_NOTE_CHARS = 200;

/**
 * The JSON object after the token, if the line holds one of the messages the sandbox sends, with
 * every field the host reads of the right type (ids are integers, texts are strings).
 */
export function parseMessage(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const id = value["id"];
  const idOk = Number.isSafeInteger(id) && (id as number) >= 0;
  switch (value["type"]) {
    case "ready":
      return value;
    case "done":
    case "tool-call":
      return idOk ? value : undefined;
    case "fatal":
    case "error":
      return idOk && isShortText(value["message"]) ? value : undefined;
    case "result":
      return idOk && isRunResult(value) ? value : undefined;
    default:
      return undefined;
  }
}

/** Texts are measured as the runtimes cut them, in code points (an emoji is one, not two). */
function isShortText(value: unknown): value is string {
  return typeof value === "string" && (value.length <= MAX_ERROR_TEXT || codePoints(value) <= MAX_ERROR_TEXT);
}

/**
 * Why a run's result breaks the limits the sandbox was configured with, if it does. The sandbox
 * enforces them itself, so a result over them means code tampered with it: the host measures
 * again. A value is measured as the runtime does, in code points of its JSON text.
 */
export function resultOverLimits(message: SandboxRunResult, limits: ResultLimits): string | undefined {
  const logChars = message.logs.length <= limits.maxOutputChars ? message.logs.length : codePoints(message.logs);
  if (logChars > limits.maxOutputChars + TRUNCATION_NOTE_CHARS) {
    return `sent ${logChars} characters of logs, over maxOutputChars (${limits.maxOutputChars})`;
  }
  // The runtime measured its own JSON text; this one may be longer for the same value (a float as
  // 21 digits where Python writes 1e+20, a lone surrogate escaped as 6 characters), so only a
  // value far past the limit is taken for tampering.
  const valueChars = codePoints(JSON.stringify(message.result.output ?? null));
  if (valueChars > VALUE_SLACK * limits.maxValueChars + 1024) {
    return `sent a value of ${valueChars} characters, far over maxValueChars (${limits.maxValueChars})`;
  }
  return undefined;
}

function codePoints(text: string): number {
  let pairs = 0;
  for (let index = 0; index < text.length - 1; index++) {
    const unit = text.charCodeAt(index);
    const next = text.charCodeAt(index + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      pairs++;
      index++;
    }
  }
  return text.length - pairs;
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

export function isRunResult(message: Record<string, unknown>): message is Record<string, unknown> & SandboxRunResult {
  const result = message["result"];
  return (
    typeof message["logs"] === "string" &&
    isPlainObject(result) &&
    typeof result["isFinalAnswer"] === "boolean" &&
    (result["error"] === null ||
      (isPlainObject(result["error"]) && isShortText(result["error"]["type"]) && isShortText(result["error"]["message"])))
  );
}
