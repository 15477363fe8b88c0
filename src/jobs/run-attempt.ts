/**
 * One worker's turn at one run: the agent is built with the journal and the durable approval
 * gate, the memory of the last checkpoint is restored (its code replayed with recorded tool
 * results), and every event and finished step goes to Redis as it happens. The turn ends with the
 * run completed or failed, or stopped on purpose: parked for an approval, cancelled, or handed
 * back because the worker is shutting down.
 */
import { AgentMemory } from "../agents/agent-memory.js";
import type { ApprovalRequest } from "../agents/approval.js";
import { CodeAgent, type CodeAgentOptions } from "../agents/code-agent.js";
import type { AgentEvent } from "../agents/events.js";
import type { ResumeOptions } from "../agents/multi-step-agent.js";
import type { RunResult } from "../agents/run-result.js";
import { AgentConfigurationError } from "../errors.js";
import type { DurableRunResult, PendingApproval } from "./durable-run.js";
import { callKey, decisionFits, RunOwnershipLostError, type RunStore, type StoredRun } from "./run-store.js";
import { ToolJournal } from "./tool-journal.js";

/** Why a turn was stopped before the run ended. */
export type StopReason = "park" | "cancel" | "shutdown" | "superseded";

/** How a turn ended. */
export type AttemptOutcome =
  | { kind: "completed"; result: DurableRunResult }
  | { kind: "stopped"; reason: StopReason; pendingApproval?: PendingApproval }
  | { kind: "failed"; error: unknown };

/** How often a running turn looks for a cancel request. */
const CANCEL_POLL_MS = 500;

/** One turn at a run. */
export class RunAttempt {
  private readonly controller = new AbortController();
  private stopReason: StopReason | undefined;
  private pendingApproval: PendingApproval | undefined;
  /** Redis writes of events and checkpoints still on their way; awaited before the turn reports its end. */
  private readonly writes = new Set<Promise<void>>();
  private writeError: unknown;
  private journal: ToolJournal | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly run: StoredRun,
    private readonly agentOptions: CodeAgentOptions,
    /** This attempt's token: its journal entries and checkpoints are written only while the run's owner is this. */
    private readonly owner: string,
  ) {}

  /** Stops the turn: the step in progress is cut off, and its journal kept for the next turn. */
  stop(reason: StopReason): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.controller.abort(new Error(`The run was stopped (${reason}).`));
  }

  /** Runs the turn to its end; never throws. */
  async execute(): Promise<AttemptOutcome> {
    const { runId } = this.run.status;
    const cancelWatch = setInterval(() => void this.checkCancel(), CANCEL_POLL_MS);
    let agent: CodeAgent | undefined;
    try {
      const checkpoint = await this.store.loadCheckpoint(runId);
      const memory = checkpoint === undefined ? undefined : AgentMemory.fromJSON(checkpoint);
      const resumedStep = (memory?.steps.filter((step) => step.type === "action").length ?? 0) + 1;
      const entries = memory === undefined ? [] : await this.store.readJournal(runId, resumedStep);
      const journal = new ToolJournal(this.store, runId, this.owner, resumedStep, entries);
      this.journal = journal;
      agent = new CodeAgent({
        ...this.agentOptions,
        interceptToolCalls: (call, next) => journal.intercept(call, next).catch((error: unknown) => this.noteLoss(error)),
        onApproval: (request) => this.askDurably(request),
      });
      if (memory !== undefined) agent.memory.steps.push(...memory.steps);
      const listening = agent;
      agent.addRunListener({ onEvent: (event) => this.record(event, listening) });
      const nextReply = ToolJournal.recordedReply(entries);
      const resume: ResumeOptions | undefined = memory === undefined ? undefined : { replayCode: true, ...(nextReply ? { nextReply } : {}) };
      const { additionalArgs, maxSteps } = this.run.options;
      const result = await agent.run(this.run.status.task, {
        signal: this.controller.signal,
        ...(additionalArgs ? { additionalArgs } : {}),
        ...(maxSteps ? { maxSteps } : {}),
        ...(resume ? { resume } : {}),
      });
      await this.flush();
      return { kind: "completed", result: summarise(result) };
    } catch (error) {
      await this.flush().catch(() => undefined);
      if (this.stopReason !== undefined) return { kind: "stopped", reason: this.stopReason, ...(this.pendingApproval ? { pendingApproval: this.pendingApproval } : {}) };
      return { kind: "failed", error };
    } finally {
      clearInterval(cancelWatch);
      await agent?.close().catch(() => undefined);
    }
  }

  /** Writes an event (and, at a step's end, the memory) to Redis, in order, without holding the run up. */
  private record(event: AgentEvent, agent: CodeAgent): void {
    // What a stopped turn does after the stop (the cut-off step, a refused approval) is not the run's.
    if (this.stopReason !== undefined || event.type === "model-delta") return;
    const { runId } = this.run.status;
    const topLevel = event.managed === undefined;
    if (topLevel && event.type === "model-output") this.journal?.noteReply(event.stepNumber, event.text, event.tokenUsage);
    this.write(this.store.appendEvent(runId, { type: "agent", event }));
    // A step whose action failed (the model could not be reached) is not a finished step: a retry
    // takes it again, so it stays out of the checkpoint.
    const finished = event.type === "step-finish" && !(event.step.type === "action" && event.step.unfinished);
    if (topLevel && (event.type === "run-start" || finished)) {
      const stepNumber = event.type === "step-finish" && event.step.type === "action" ? event.step.stepNumber : -1;
      this.write(this.store.checkpoint(runId, this.owner, JSON.stringify(agent.memory), stepNumber));
    }
  }

  /**
   * Keeps track of a write already sent. Writes go out at once, on one connection, so Redis takes
   * them in the order made: a step's checkpoint is in before any call of the next step is journaled.
   */
  private write(sent: Promise<unknown>): void {
    const tracked: Promise<void> = sent.then(
      () => void this.writes.delete(tracked),
      (error: unknown) => {
        this.writes.delete(tracked);
        this.writeError ??= error;
        this.noteLoss(error).catch(() => undefined);
      },
    );
    this.writes.add(tracked);
  }

  /** Rethrows `error`, first stopping the attempt when it says another worker has taken the run over. */
  private async noteLoss(error: unknown): Promise<never> {
    if (error instanceof RunOwnershipLostError) this.stop("superseded");
    throw error;
  }

  /** Waits for the writes so far; a write that failed fails the turn (its checkpoint is not safe). */
  private async flush(): Promise<void> {
    await Promise.all(this.writes);
    if (this.writeError !== undefined) throw this.writeError;
  }

  /**
   * The approval gate of a durable run: a decision already given (before an earlier turn parked)
   * answers; otherwise the call is parked, the turn stops, and no worker is held until a person
   * decides.
   */
  private async askDurably(request: ApprovalRequest): Promise<boolean | string> {
    const call = this.journal?.currentCall;
    if (call === undefined) throw new AgentConfigurationError(`${request.tool} asked for approval outside a journaled tool call.`);
    const decision = await this.store.decision(this.run.status.runId, callKey(call.stepNumber, call.index));
    // A decision holds only for the call the person saw: code that does not repeat itself may
    // make another call in its place, which is parked afresh.
    if (decisionFits(decision, request.tool, request.args)) return decision.approved ? true : (decision.reason ?? false);
    await this.journal!.park(call).catch((error: unknown) => this.noteLoss(error));
    this.pendingApproval = { tool: request.tool, args: request.args, stepNumber: call.stepNumber, callIndex: call.index };
    this.stop("park");
    // The stop ends the wait: the gate gives up on an aborted run.
    return await new Promise<never>(() => undefined);
  }

  private async checkCancel(): Promise<void> {
    try {
      if (await this.store.cancelRequested(this.run.status.runId)) this.stop("cancel");
    } catch {
      // Redis is away: the next look will tell.
    }
  }
}

function summarise(result: RunResult): DurableRunResult {
  return {
    output: result.output,
    agentState: result.state,
    tokenUsage: result.tokenUsage,
    actionSteps: result.steps.filter((step) => step.type === "action").length,
  };
}
