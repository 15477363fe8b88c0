/**
 * Turns what the worker reported for a run into the bridge protocol's result, which the run
 * lifecycle turns into the `CodeOutput` the model reads: the value's JSON back into data, and
 * errors into messages that name the line of the model's code and quote it.
 */
import type { SandboxRunResult } from "../channel/bridge-protocol.js";
import type { CodeError } from "../executor.js";
import { timeLimitNote } from "../run-errors.js";
import type { ErrorFrame, RunOutcome, SandboxErrorReport } from "./protocol.js";

/** What the messages need to know about the run. */
export interface RunContext {
  /** The model's code as it wrote it. */
  code: string;
  timeoutMs: number;
  memoryLimitMb: number;
  /** The user's module files by path, for frames inside them. */
  moduleSources?: ReadonlyMap<string, string>;
}

const MAX_FRAMES_SHOWN = 6;
const MAX_MESSAGE = 2000;

/**
 * The result of a run the worker finished (normally or by an interrupt). The value stays as the
 * code sent it (bytes and images tagged), for the run lifecycle to decode. An interrupt reads as
 * the time limit's; the lifecycle names an abort itself.
 */
export function runResult(outcome: RunOutcome, context: RunContext): SandboxRunResult["result"] {
  switch (outcome.kind) {
    case "value":
      return { output: JSON.parse(outcome.json) as unknown, isFinalAnswer: false, error: null };
    case "final":
      return { output: JSON.parse(outcome.json) as unknown, isFinalAnswer: true, error: null };
    case "error":
      return { output: null, isFinalAnswer: false, error: describeError(outcome.error, context) };
    case "interrupted":
      return { output: null, isFinalAnswer: false, error: interruptedError(outcome.frames, context) };
  }
}

function interruptedError(frames: ErrorFrame[], context: RunContext): CodeError {
  const where = frames.find((frame) => frame.length === 2 && sourceLine(context.code, frame[0]) !== undefined);
  const stoppedAt = where ? ` It was stopped at line ${where[0]}: ${sourceLine(context.code, where[0])}` : "";
  return { type: "TimeoutError", message: `${timeLimitNote(context.timeoutMs)}${stoppedAt}` };
}

function describeError(report: SandboxErrorReport, context: RunContext): CodeError {
  const type = /^[A-Za-z_$][\w$]{0,63}$/.test(report.type) ? report.type : "Error";
  let message = report.message.length > MAX_MESSAGE ? `${report.message.slice(0, MAX_MESSAGE)}...` : report.message;
  if (type === "InternalError" && message === "out of memory") {
    message =
      `out of memory: the code needed more than the sandbox's ${context.memoryLimitMb} MB. Variables set before that ` +
      "point are kept; set large values you no longer need to null, and work on smaller pieces.";
  } else if (type === "InternalError" && message === "stack overflow") {
    message = "stack overflow: too many nested calls (runaway recursion?). Recurse less deeply, or use a loop.";
  } else if (message === "") {
    message = type;
  }
  const frames = report.frames.filter((frame) => frameLine(frame, context) !== undefined);
  if (frames.length === 0) return { type, message };
  if (type === "SyntaxError" && frames[0]!.length === 2) {
    const [line] = frames[0]!;
    return { type, message: `${message} (line ${line})\n    ${sourceLine(context.code, line)}` };
  }
  return { type, message: `${message}\n${stackText(frames, context)}` };
}

/** The frame's line of code, trimmed; undefined when there is no such line. */
function frameLine(frame: ErrorFrame, context: RunContext): string | undefined {
  if (frame.length === 2) return sourceLine(context.code, frame[0]);
  const source = context.moduleSources?.get(frame[2]);
  return source === undefined ? undefined : sourceLine(source, frame[0]);
}

/** The frames in the model's code and the user's modules, most recent first; a long run of one repeated call is folded. */
function stackText(frames: ErrorFrame[], context: RunContext): string {
  const lines = [frames.every((frame) => frame.length === 2) ? "Stack (most recent call first), in your code:" : "Stack (most recent call first):"];
  const folded: { frame: ErrorFrame; repeats: number }[] = [];
  for (const frame of frames) {
    const previous = folded[folded.length - 1];
    if (previous && previous.frame[0] === frame[0] && previous.frame[1] === frame[1] && previous.frame[2] === frame[2]) previous.repeats++;
    else folded.push({ frame, repeats: 1 });
  }
  const shown = folded.length > MAX_FRAMES_SHOWN ? [...folded.slice(0, MAX_FRAMES_SHOWN - 1), undefined, folded[folded.length - 1]!] : folded;
  for (const entry of shown) {
    if (entry === undefined) {
      lines.push(`  ... ${folded.length - MAX_FRAMES_SHOWN} more calls ...`);
      continue;
    }
    const [line, name, file] = entry.frame;
    const where = name === "" ? "at top level" : `in ${name}()`;
    lines.push(`  ${file === undefined ? "" : `${file} `}line ${line} ${where}: ${frameLine(entry.frame, context)}`);
    if (entry.repeats > 1) lines.push(`  ... the same call ${entry.repeats - 1} more times ...`);
  }
  return lines.join("\n");
}

/** Line `line` (1-based, as QuickJS counts: by "\n") of the model's code, trimmed; undefined past the end. */
function sourceLine(code: string, line: number): string | undefined {
  const text = code.split("\n")[line - 1];
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  return trimmed.length > 200 ? `${trimmed.slice(0, 200)}...` : trimmed;
}
