import type { CodeError, CodeOutput } from "../executors/executor.js";
import { truncateMiddle } from "./truncate.js";

/** What the model reads after its code ran: the logs, then the last value. */
export function formatObservation(result: CodeOutput, maxValueChars: number): string {
  const parts: string[] = [];
  if (result.logs) parts.push(`Execution logs:\n${result.logs.replace(/\n$/, "")}`);
  if (result.output !== null && result.output !== undefined) {
    parts.push(`Last output from code snippet:\n${truncateMiddle(formatValue(result.output), maxValueChars)}`);
  }
  return parts.length > 0 ? parts.join("\n") : "The code ran and printed nothing; its last line had no value.";
}

/** A value as the model reads it: strings as they are, everything else as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 1) ?? String(value);
  } catch {
    return String(value);
  }
}

/** An error as the model reads it, with the nudge to try differently. */
export function formatErrorObservation(error: CodeError): string {
  return `${error.type}: ${error.message}\nFix the cause and try again; if the same approach keeps failing, try a different one.`;
}
