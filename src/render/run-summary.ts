/**
 * The one-line summary that ends a run in the terminal (`✔ success · 2 steps · 1,290 tokens ...`),
 * also written for a run that failed or was interrupted, and the token counts it shows: marked
 * as estimated when the model could not report them.
 */
import type { TokenUsage } from "../models/model.js";
import type { Colors } from "./colors.js";
import { formatCount, formatDuration } from "./format-value.js";

/** What a run did, however it ended. */
export interface RunSummary {
  /** Action steps taken. */
  steps: number;
  tokenUsage: TokenUsage;
  durationMs: number;
}

/**
 * How a run ended, as the summary line shows it: `interrupted` is Ctrl-C at the CLI, `stopped` a
 * run that `agent.interrupt()` ended after a step (its RunResult state is `interrupted`).
 */
export type RunOutcome = "success" | "max_steps_error" | "failed" | "interrupted" | "stopped";

const OTHER_OUTCOMES: Record<Exclude<RunOutcome, "success" | "failed">, string> = {
  max_steps_error: "⚠ max_steps_error",
  interrupted: "⚠ interrupted (Ctrl-C)",
  stopped: "⚠ interrupted after a step (run again with reset: false to resume)",
};

/**
 * The summary line, e.g. `✔ success · 2 steps · 1,290 tokens (1,234 in / 56 out) · 3.4s`.
 *
 * @param outcome - How the run ended.
 * @param summary - What it did.
 * @param colors - Colour functions (identity when colour is off).
 */
export function formatRunSummary(outcome: RunOutcome, summary: RunSummary, colors: Colors): string {
  const status =
    outcome === "success"
      ? colors.green(colors.bold("✔ success"))
      : outcome === "failed"
        ? colors.red(colors.bold("✗ failed"))
        : colors.yellow(colors.bold(OTHER_OUTCOMES[outcome]));
  const steps = `${summary.steps} ${summary.steps === 1 ? "step" : "steps"}`;
  return `${status} · ${steps} · ${formatTokenTotal(summary.tokenUsage)} · ${formatDuration(summary.durationMs)}`;
}

/** `1,290 tokens (1,234 in / 56 out)`, or `~1,290 tokens, estimated (1,234 in / 56 out)`. */
export function formatTokenTotal(usage: TokenUsage): string {
  const total = formatCount(usage.inputTokens + usage.outputTokens);
  const split = `${formatCount(usage.inputTokens)} in / ${formatCount(usage.outputTokens)} out`;
  return isEstimated(usage) ? `~${total} tokens, estimated (${split})` : `${total} tokens (${split})`;
}

/** `1,234 in / 56 out tokens`, or `~1,234 in / ~56 out tokens (estimated)`. */
export function formatStepTokens(usage: TokenUsage): string {
  const mark = isEstimated(usage) ? "~" : "";
  const counts = `${mark}${formatCount(usage.inputTokens)} in / ${mark}${formatCount(usage.outputTokens)} out tokens`;
  return isEstimated(usage) ? `${counts} (estimated)` : counts;
}

/** Whether the counts were estimated rather than reported by the model server. */
export function isEstimated(usage: TokenUsage): boolean {
  return usage.estimated === true;
}
