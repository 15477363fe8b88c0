/**
 * Drives one program through Monty's start/resume loop. Monty pauses at every call of a function
 * it does not define; the host answers: checkpoints and loop ticks (the executor's own), tools
 * (awaited on the host, however long), `final_answer` (which ends the run there: the program is
 * never resumed, so no `except` clause can swallow it) and anything else (a NameError).
 */
import { setImmediate as nextTurn } from "node:timers/promises";

import { MontyComplete, MontyNameLookup, type Monty, type MontySnapshot, type ResourceLimits, type ResumeOptions } from "@pydantic/monty";

import { FINAL_ANSWER_TOOL_NAME } from "../../tools/definition-checks.js";
import type { CodeError } from "../executor.js";
import type { StopReason } from "../run-errors.js";
import { applyCheckpoint } from "./checkpoint-values.js";
import { runtimeError, stoppedError, type ErrorContext } from "./monty-errors.js";
import type { MontyNamespace } from "./monty-namespace.js";
import { KEEP_FUNCTION, TICK_FUNCTION, TICK_INTERVAL, toolNameOfAlias, type MontyProgram } from "./monty-program.js";
import { toPlain, ValueTooLargeError } from "./monty-values.js";
import type { OutputBuffer } from "./output-buffer.js";
import type { RunStop } from "./run-stop.js";
import { checkedJson, MAX_ERROR_CHARS, tooLargeMessage, type ToolCaller } from "./value-limits.js";

/** A value up to this many times `maxValueChars` is converted whole, to tell the code its size. */
const SIZE_REPORT_FACTOR = 4;

/** How long Monty may hold the thread before a pause lets the event loop (timers, aborts) run. */
const MAX_BUSY_MS = 10;

/** Everything one run needs. */
export interface RunContext {
  program: MontyProgram;
  /** The program, parsed. */
  monty: Monty;
  namespace: MontyNamespace;
  /** Names of the host's tools. */
  tools: ReadonlySet<string>;
  /** Runs a tool call on the host. */
  callTool: ToolCaller;
  output: OutputBuffer;
  limits: ResourceLimits;
  /** The longest JSON text of a value leaving the sandbox. */
  maxValueChars: number;
  stop: RunStop;
  errors: ErrorContext;
}

/** What a run produced, logs aside. */
export interface RunOutcome {
  output: unknown;
  isFinalAnswer: boolean;
  error?: CodeError;
}

type Progress = MontySnapshot | MontyNameLookup | MontyComplete;
/** How to go on after a pause: resume Monty with this, or end the run with that outcome. */
type Answer = { resume: ResumeOptions } | { end: RunOutcome };

/** Runs the program to its end, a final answer, an error, or a stop. Never throws. */
export async function runProgram(context: RunContext): Promise<RunOutcome> {
  const { program, stop } = context;
  const state = { lastTurn: performance.now() };
  const stopped = (reason: StopReason, line?: number): RunOutcome => ({ output: null, isFinalAnswer: false, error: stopError(reason, line, context) });
  const early = stop.check();
  if (early !== undefined) return stopped(early);

  try {
    // Monty refuses an inputs object when the program declares no inputs.
    const inputs = program.inputs.size === 0 ? undefined : Object.fromEntries([...program.inputs].map(([name, stored]) => [name, stored.value]));
    let progress: Progress = context.monty.start({ inputs, limits: context.limits, printCallback: context.output.append });
    while (!(progress instanceof MontyComplete)) {
      if (progress instanceof MontyNameLookup) {
        progress = progress.resume(resolveName(progress.variableName, context.tools));
        continue;
      }
      if (performance.now() - state.lastTurn > MAX_BUSY_MS) {
        await nextTurn();
        state.lastTurn = performance.now();
      }
      const reason = stop.check();
      // A loop's tick knows where the code was; other pauses do not.
      if (reason !== undefined) return stopped(reason, progress.functionName === TICK_FUNCTION ? Number(progress.args[0]) : undefined);
      const answer = await answerCall(progress, context, state);
      if ("end" in answer) return answer.end;
      progress = progress.resume(answer.resume);
    }
    return completed(progress, context);
  } catch (error) {
    // Monty's own time limit may strike just as an abort arrives: the abort is what the caller asked for.
    if (stop.check() === "abort") return stopped("abort");
    return { output: null, isFinalAnswer: false, error: runtimeError(error, context.errors) };
  }
}

async function answerCall(snapshot: MontySnapshot, context: RunContext, state: { lastTurn: number }): Promise<Answer> {
  const name = snapshot.functionName;
  if (name === KEEP_FUNCTION) {
    const [id, ...rest] = snapshot.args as unknown[];
    const checkpoint = typeof id === "number" && Number.isInteger(id) ? context.program.checkpoints[id] : undefined;
    // The code cannot spell the name (the session refuses it), so a malformed call is a bug of ours.
    if (checkpoint === undefined || rest.length !== checkpoint.names.length + (checkpoint.hasValue ? 1 : 0)) {
      throw new Error(`malformed checkpoint call (id ${String(id)}, ${rest.length} values)`);
    }
    applyCheckpoint(context.namespace, checkpoint, rest);
    return { resume: { returnValue: null } };
  }
  if (name === TICK_FUNCTION) return { resume: { returnValue: TICK_INTERVAL } };
  if (name === FINAL_ANSWER_TOOL_NAME) {
    const answer = finalAnswerArgument(snapshot);
    if (answer.error !== undefined) return { resume: { exception: { type: "TypeError", message: answer.error } } };
    const plain = plainWithin("The final answer", answer.value, context.maxValueChars);
    // Raised at the call, so the code can catch it and answer with less.
    if (plain.error !== undefined) return { resume: { exception: { type: "ValueError", message: plain.error } } };
    return { end: { output: plain.value, isFinalAnswer: true } };
  }
  if (name === "exit" || name === "quit") {
    const shown = snapshot.args[0] === undefined ? { value: "" } : plainWithin("The exit code", snapshot.args[0], MAX_ERROR_CHARS);
    const code = shown.error === undefined ? String(shown.value) : "...";
    const message = `The code called ${name}(${code}). Call final_answer(...) to finish instead.`;
    return { end: { output: null, isFinalAnswer: false, error: { type: "SystemExit", message } } };
  }
  if (!context.tools.has(name)) return { resume: { exception: unknownFunction(name) } };
  const answer = await callTool(name, snapshot, context);
  state.lastTurn = performance.now();
  if (answer === "stopped") return { end: { output: null, isFinalAnswer: false, error: stopError(context.stop.reason!, undefined, context) } };
  return { resume: answer };
}

function completed(complete: MontyComplete, context: RunContext): RunOutcome {
  const { program } = context;
  let value: unknown = null;
  if (program.finalCheckpoint === undefined) value = complete.output;
  else {
    // The program's result is the last checkpoint's tuple: (id, [value of the last expression], pairs...).
    const [, ...rest] = complete.output as unknown[];
    const kept = applyCheckpoint(context.namespace, program.checkpoints[program.finalCheckpoint]!, rest);
    value = "value" in kept ? kept.value : null;
  }
  const plain = plainWithin("The value of the last line", value, context.maxValueChars);
  if (plain.error !== undefined) return { output: null, isFinalAnswer: false, error: { type: "ValueError", message: plain.error } };
  return { output: plain.value, isFinalAnswer: false };
}

/** A tool or `final_answer` used as a value (`f = get_weather`) becomes a function Monty calls back by name. */
function resolveName(name: string, tools: ReadonlySet<string>): { value?: unknown } {
  const target = toolNameOfAlias(name) ?? name;
  if (!tools.has(target) && target !== FINAL_ANSWER_TOOL_NAME) return {};
  // Monty reports a call of a host function under the JavaScript function's name.
  const placeholder = { [target]: () => undefined }[target]!;
  return { value: placeholder };
}

function finalAnswerArgument(snapshot: MontySnapshot): { value?: unknown; error?: string } {
  const kwargs = snapshot.kwargs as Record<string, unknown>;
  const keys = Object.keys(kwargs);
  if (snapshot.args.length === 1 && keys.length === 0) return { value: snapshot.args[0] };
  if (snapshot.args.length === 0 && keys.length === 1 && keys[0] === "answer") return { value: kwargs.answer };
  return { error: "final_answer() takes exactly one argument: the answer" };
}

async function callTool(name: string, snapshot: MontySnapshot, context: RunContext): Promise<ResumeOptions | "stopped"> {
  const plain = plainWithin(`The arguments of ${name}()`, [snapshot.args, new Map(Object.entries(snapshot.kwargs as Record<string, unknown>))], context.maxValueChars);
  if (plain.error !== undefined) return { exception: { type: "ValueError", message: plain.error } };
  const [args, kwargs] = plain.value as [unknown[], Record<string, unknown>];
  const answer = await context.stop.race(context.callTool({ name, args, kwargs }));
  if (answer.stopped) return "stopped";
  const reply = answer.value;
  if (reply.ok) return { returnValue: reply.value };
  if (reply.error.type === "ToolArgumentError") return { exception: { type: "TypeError", message: reply.error.message } };
  if (reply.error.type === "ValueTooLarge") return { exception: { type: "ValueError", message: reply.error.message } };
  return { exception: { type: "RuntimeError", message: `${name}() failed: ${reply.error.message}` } };
}

/**
 * `value` as plain data for the host, or the error the code gets when its JSON passes `maxChars`:
 * the conversion stops at the budget, so a value Monty hands over expanded is never built whole.
 */
function plainWithin(what: string, value: unknown, maxChars: number): { value: unknown; error?: undefined } | { error: string } {
  // Converting up to a few times the limit lets the message say the value's size in most cases.
  const budget = SIZE_REPORT_FACTOR * maxChars;
  let plain: unknown;
  try {
    plain = toPlain(value, budget);
  } catch (error) {
    if (!(error instanceof ValueTooLargeError)) throw error;
    return { error: tooLargeMessage(what, `more than ${budget.toLocaleString("en-US")}`, maxChars) };
  }
  const checked = checkedJson(what, plain, maxChars);
  return checked.error === undefined ? { value: plain } : { error: checked.error };
}

function unknownFunction(name: string): { type: string; message: string } {
  if (name === "__import__") {
    return { type: "ImportError", message: "__import__() is not available in the sandbox: use an import statement of an authorized module." };
  }
  return { type: "NameError", message: `name '${name}' is not defined` };
}

function stopError(reason: StopReason, line: number | undefined, context: RunContext): CodeError {
  if (reason === "timeout") return stoppedError("TimeoutError", context.errors.timeLimitNote, line, context.errors.sourceLines);
  const note = "The run was aborted before it finished; variables set by the statements that completed before that point are kept.";
  return stoppedError("AbortError", note, line, context.errors.sourceLines);
}
