/**
 * What a run has done so far (steps, tokens, time), counted from its events, so a run that
 * fails or is interrupted can still be summed up.
 */
import type { AgentEvent } from "../agents/events.js";
import type { TokenUsage } from "../models/model.js";
import type { RunSummary } from "../render/run-summary.js";
import { isEstimated } from "../render/run-summary.js";

/** Counts the steps and tokens of one run from its events. */
export class RunTally {
  private startedAt: number | undefined;
  private steps = 0;
  private inputTokens = 0;
  private outputTokens = 0;
  private estimated = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether the run got as far as starting. */
  get started(): boolean {
    return this.startedAt !== undefined;
  }

  observe(event: AgentEvent): void {
    if (event.type === "run-start") this.startedAt = this.now();
    if (event.type !== "step-finish") return;
    if (event.step.type === "action") this.steps++;
    const usage = event.step.tokenUsage;
    if (usage === undefined) return;
    this.inputTokens += usage.inputTokens;
    this.outputTokens += usage.outputTokens;
    this.estimated ||= isEstimated(usage);
  }

  summary(): RunSummary {
    const tokenUsage: TokenUsage = { inputTokens: this.inputTokens, outputTokens: this.outputTokens, ...(this.estimated ? { estimated: true } : {}) };
    return { steps: this.steps, tokenUsage, durationMs: this.startedAt === undefined ? 0 : this.now() - this.startedAt };
  }
}
