/**
 * Monty's errors as the model reads them: the exception type, its message, and a traceback of the
 * model's own lines (the lines the executor adds are left out). Where the cause is a limit of
 * Monty rather than a bug in the code, the message says so and names the Pyodide executor.
 */
import { MontyError, MontyRuntimeError, MontySyntaxError, type Frame } from "@pydantic/monty";

import type { CodeError } from "../executor.js";
import { MISSING_BUILTINS } from "./monty-builtins.js";
import type { LineOrigin } from "./program-writer.js";

/** Points the model to the executor that runs full Python. */
const PYODIDE_HINT = 'or use PyodideExecutor (executor: "pyodide") for full Python';

/** What error messages need to know about the run. */
export interface ErrorContext {
  /** Lines of the model's code. */
  sourceLines: readonly string[];
  origins: readonly LineOrigin[];
  /** Why a name is gone, for names whose objects could not be carried over. */
  lostDescription(name: string): string | undefined;
  /** Why a name's value was not kept after an earlier run (too large or too deep), in complete sentences. */
  droppedReason?(name: string): string | undefined;
  memoryLimitMb: number;
  timeLimitNote: string;
}

/** An error Monty reported while parsing the model's code, before anything ran. */
export function parseError(error: unknown, sourceLines: readonly string[]): CodeError {
  if (error instanceof MontySyntaxError) {
    // The native error behind the wrapper also renders "traceback", which its type leaves out.
    const display = (error as unknown as { display(format: string): string }).display("traceback").split("\n");
    const line = Number(/line (\d+)/.exec(display.find((text) => /File ".*", line \d+/.test(text)) ?? "")?.[1] ?? 0);
    const excerpt = display.slice(2, -1).join("\n");
    return { type: "SyntaxError", message: `${error.display("msg")} (line ${line})${excerpt ? `\n${excerpt}` : ""}` };
  }
  if (error instanceof MontyRuntimeError) {
    const line = error.traceback()[0]?.line;
    const where = line === undefined ? "" : ` (line ${line}: ${(sourceLines[line - 1] ?? "").trim()})`;
    return { type: error.exception.typeName, message: unsupportedMessage(error.exception.message, where) };
  }
  return internalError(error);
}

/**
 * Monty parses decorators and then ignores them: `@tag("b") def f` leaves `f` undecorated, so the
 * code would go on with a wrong result. Refused before anything runs.
 */
export function decoratorError(line: number, sourceLines: readonly string[]): CodeError {
  const text = (sourceLines[line - 1] ?? "").trim();
  return {
    type: "NotImplementedError",
    message:
      `Monty, the Python of this sandbox, does not support decorators (line ${line}: ${text}): it would ignore them. ` +
      `Apply the decorator by calling it after the def instead (\`f = decorator(f)\`), ${PYODIDE_HINT}.`,
  };
}

/** An error raised while the program ran. */
export function runtimeError(error: unknown, context: ErrorContext): CodeError {
  if (!(error instanceof MontyError)) return internalError(error);
  const { typeName: type, message } = error.exception;
  const frames = error instanceof MontyRuntimeError ? error.traceback() : [];
  if (type === "TimeoutError" && message.startsWith("time limit exceeded")) return { type, message: context.timeLimitNote };
  const top = frames[frames.length - 1];
  const unbound = /^cannot access local variable '(.+)' where it is not associated with a value$/.exec(message);
  if (type === "UnboundLocalError" && unbound && (top?.functionName ?? "<module>") === "<module>") {
    // At module level Python says NameError; Monty knows the name is assigned later and says otherwise.
    return withTraceback("NameError", `name '${unbound[1]}' is not defined`, frames, context);
  }
  const inFunction = (top?.functionName ?? "<module>") !== "<module>";
  return withTraceback(type, explain(type, message, context, inFunction), frames, context);
}

/** The error of a run the host stopped at a pause (time limit or abort), with the line when known. */
export function stoppedError(type: "TimeoutError" | "AbortError", note: string, line: number | undefined, sourceLines: readonly string[]): CodeError {
  const text = line === undefined || line === 0 ? "" : ` It was stopped at line ${line}: ${(sourceLines[line - 1] ?? "").trim()}`;
  return { type, message: `${note}${text}` };
}

function explain(type: string, message: string, context: ErrorContext, inFunction: boolean): string {
  const missing = /^name '(.+)' is not defined$/.exec(message)?.[1];
  if (type === "NameError" && missing !== undefined) {
    const dropped = context.droppedReason?.(missing);
    if (dropped !== undefined) return `${message}: an earlier run set '${missing}', but ${dropped}`;
    const lost = context.lostDescription(missing);
    if (lost !== undefined) {
      return (
        `${message}: '${missing}' held ${lost} made in an earlier run, and the Monty sandbox carries over only data ` +
        "(numbers, strings, lists, dicts, ...), imports, top-level def functions and `name = lambda ...`. Create it again in this code."
      );
    }
    if (MISSING_BUILTINS.has(missing)) return `${message}: the Monty sandbox has no ${missing}(). Rewrite the code without it, ${PYODIDE_HINT}.`;
    if (inFunction) {
      // Monty resolves a nested function's free names in the function directly around it only.
      return (
        `${message}. If '${missing}' belongs to a function two or more levels around this one, Monty, the Python of this ` +
        `sandbox, cannot see it (a nested function sees only the function directly around it): pass it in as an argument.`
      );
    }
  }
  if (type === "MemoryError" && message.startsWith("memory limit exceeded")) {
    return `The code needed more memory than the sandbox's limit of ${context.memoryLimitMb} MiB. Work on smaller pieces of data.`;
  }
  if (type === "TypeError" && message.includes("print() 'file' argument is not supported")) {
    return `${message}: the Monty sandbox has no sys.stderr or files. Print to standard output, ${PYODIDE_HINT}.`;
  }
  if (type === "TypeError" && /unsupported operand type\(s\) for %: 'str'/.test(message)) {
    return `${message}. The Monty sandbox has no %-formatting of strings: use f-strings.`;
  }
  if (type === "AttributeError" && message === "'str' object has no attribute 'format'") {
    return `${message}. The Monty sandbox has no str.format(): use f-strings.`;
  }
  if (type === "NotImplementedError") return unsupportedMessage(message, "");
  return message || type;
}

function unsupportedMessage(message: string, where: string): string {
  const feature = /does not yet support (.+)$/.exec(message)?.[1];
  if (feature !== undefined) {
    return `Monty, the Python of this sandbox, does not support ${feature}${where}. Rewrite the code another way, ${PYODIDE_HINT}.`;
  }
  return `${message}${where}. This is a limit of Monty, the Python of this sandbox: rewrite the code, ${PYODIDE_HINT}.`;
}

function withTraceback(type: string, message: string, frames: Frame[], context: ErrorContext): CodeError {
  const lines = frames.map((frame) => frameLine(frame, context)).filter((line): line is string => line !== undefined);
  if (lines.length === 0) return { type, message };
  return { type, message: [message, "Traceback (most recent call last), in your code:", ...collapseRepeats(lines)].join("\n") };
}

function frameLine(frame: Frame, context: ErrorContext): string | undefined {
  const origin = context.origins[frame.line - 1];
  const inFunction = frame.functionName !== undefined && frame.functionName !== "<module>";
  if (origin?.kind === "code") {
    const where = inFunction ? `in ${frame.functionName}()` : "at top level";
    return `  line ${origin.line} ${where}: ${(context.sourceLines[origin.line - 1] ?? "").trim()}`;
  }
  if (origin?.kind === "definition") {
    const where = inFunction ? `in ${frame.functionName}()` : `defining '${origin.name}'`;
    return `  ${where}, defined in an earlier run (its line ${origin.line}): ${(frame.sourceLine ?? "").trim()}`;
  }
  return undefined;
}

/** Deep recursion gives a thousand identical frames; say it once, as CPython does. */
function collapseRepeats(lines: string[]): string[] {
  const result: string[] = [];
  let index = 0;
  while (index < lines.length) {
    let end = index + 1;
    while (end < lines.length && lines[end] === lines[index]) end++;
    result.push(lines[index]!);
    if (end - index > 1) result.push(`  [previous line repeated ${end - index - 1} more times]`);
    index = end;
  }
  return result;
}

/** A failure of the executor itself, not of the model's code. */
export function internalError(error: unknown): CodeError {
  const detail = error instanceof Error ? error.message.split("\n", 1)[0] : String(error);
  return { type: "SandboxError", message: `The Monty sandbox failed (${detail}). This is a bug in codeagent, not in your code.` };
}
