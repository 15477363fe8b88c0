/**
 * The words every executor uses for runs stopped from outside (time limit, abort) and for sandboxes
 * that had to be replaced, so the model reads the same message whichever sandbox ran its code.
 */
import { SandboxMemoryError } from "../errors.js";
import type { CodeError } from "./executor.js";

/** Why the host stopped a run, when it did. */
export type StopReason = "timeout" | "abort";

const STATE_LOST = "The sandbox was restarted, so everything defined in earlier runs is gone: define what you need again.";

/** "30 s" or "500 ms". */
export function formatSeconds(milliseconds: number): string {
  return milliseconds >= 1000 ? `${milliseconds / 1000} s` : `${milliseconds} ms`;
}

/** The message of a run interrupted by its time limit, whose state survived. */
export function timeLimitNote(timeoutMs: number): string {
  return `Execution exceeded the time limit of ${formatSeconds(timeoutMs)} and was interrupted; variables set before that point are kept.`;
}

/** The error of a run aborted by the host, whose state survived. */
export const ABORTED_ERROR: CodeError = Object.freeze({
  type: "AbortError",
  message: "The run was aborted before it finished; variables set before that point are kept.",
});

/**
 * The error for a run whose sandbox had to be ended (or died): all state is gone. A sandbox ended
 * for its memory (a {@link SandboxMemoryError}) is a MemoryError, so the code can use less.
 */
export function lostStateError(stopReason: StopReason | undefined, timeoutMs: number, cause: unknown): CodeError {
  if (cause instanceof SandboxMemoryError) return { type: "MemoryError", message: `${cause.message} ${STATE_LOST}` };
  if (stopReason === "timeout") {
    return {
      type: "TimeoutError",
      message: `Execution exceeded the time limit of ${formatSeconds(timeoutMs)} and could not be interrupted (a long native operation). ${STATE_LOST}`,
    };
  }
  if (stopReason === "abort") {
    return { type: "AbortError", message: `The run was aborted and could not be interrupted. ${STATE_LOST}` };
  }
  // The first line says what happened; a runtime's internal traceback is no use to the model.
  const detail = (cause instanceof Error ? cause.message : String(cause)).split("\n", 1)[0];
  return { type: "SandboxCrash", message: `The sandbox stopped unexpectedly (${detail}). ${STATE_LOST}` };
}
