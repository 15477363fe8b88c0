/**
 * How the CLI reports a run that ended without a result: a clear line on stderr (the error, the
 * first line of its cause, the CLI's advice), never a stack trace unless `--verbose` asks; or,
 * with `--json`, one `run-error` event. Everything shown is sanitised: error messages carry text
 * from model servers and sandboxes.
 */
import { AgentError } from "../errors.js";
import type { TokenUsage } from "../models/model.js";
import { createColors } from "../render/colors.js";
import { formatRunSummary, type RunSummary } from "../render/run-summary.js";
import { safeJsonStringify } from "../render/safe-json.js";
import { escapeJsonForTerminal, sanitizeText } from "../render/sanitize-text.js";
import { shouldUseColor } from "../render/should-use-color.js";
import { adviseForCli, cliFlagFor } from "./model-error-advice.js";

/** The `--json` event that ends a run which failed or was interrupted. */
export interface RunErrorEvent {
  type: "run-error";
  error: { type: string; message: string; flag?: string };
  /** True when Ctrl-C ended the run. */
  interrupted: boolean;
  /** What ran before the end, when the run had started. */
  steps?: number;
  tokenUsage?: TokenUsage;
  durationMs?: number;
}

/** Where and how to report. */
export interface FailureReport {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  json: boolean;
  verbose: boolean;
  /** What failed, e.g. "The run failed". */
  heading: string;
  /** What the run did, when it had started. */
  summary?: RunSummary;
}

/** Reports `error` (or the interruption), as text or as a `run-error` event. */
export function reportFailure(report: FailureReport, error: unknown, interrupted: boolean): void {
  if (report.json) {
    // JSON keeps the exact text; escaping makes the line safe to print.
    const type = interrupted ? "Interrupted" : errorName(error);
    const message = interrupted ? "Interrupted by Ctrl-C." : describe(error, (text) => text);
    const flag = interrupted ? undefined : cliFlagFor(error);
    const event: RunErrorEvent = { type: "run-error", error: { type, message, ...(flag ? { flag } : {}) }, interrupted, ...report.summary };
    report.stdout.write(`${escapeJsonForTerminal(safeJsonStringify(event) ?? "{}")}\n`);
    return;
  }
  if (report.summary) {
    const colors = createColors(shouldUseColor(report.stdout, report.env));
    report.stdout.write(`${formatRunSummary(interrupted ? "interrupted" : "failed", report.summary, colors)}\n`);
  }
  if (interrupted) return;
  report.stderr.write(`\n${failureLines(error, report.heading, report.verbose).join("\n")}\n`);
}

/** `heading: Name: message`, the cause's first line, and the stack when `verbose`. */
export function failureLines(error: unknown, heading: string, verbose: boolean): string[] {
  const lines = [`${heading}: ${sanitizeText(errorName(error))}: ${describe(error, sanitizeText)}`];
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    // An HTTP client's cause often repeats the message behind a status code: not worth a line.
    const first = firstLine(cause.message);
    if (first !== "" && !lines[0]!.includes(first.replace(/^\d{3}\s+/, ""))) lines.push(`  Caused by ${sanitizeText(cause.name)}: ${first}`);
  }
  const stack = error instanceof Error ? error.stack : undefined;
  if (verbose && stack) lines.push(sanitizeText(stack));
  // Our own errors say what to do; anything else is unexpected, and its stack helps a bug report.
  else if (!AgentError.isInstance(error)) lines.push("  (Run with --verbose to see where it happened.)");
  return lines;
}

/** The message, with CLI advice for model errors; only its first line when it is not ours. */
function describe(error: unknown, clean: (text: string) => string): string {
  const message = clean(error instanceof Error ? error.message : String(error)).trim();
  return adviseForCli(error, AgentError.isInstance(error) ? message : (message.split("\n", 1)[0] ?? ""));
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "Error";
}

function firstLine(text: string): string {
  return sanitizeText(text).trim().split("\n", 1)[0] ?? "";
}
