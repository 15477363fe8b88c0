/**
 * The journal of the step in progress: the model's reply and each tool call, written to Redis
 * before the call is made and again when it ends. A run resumed on another worker answers the
 * calls its step already made from here, so a side effect never happens twice: a call that was
 * made and answered gets its recorded answer, and a call that was cut off by the worker's death
 * gets an error rather than a second try (it may have acted).
 */
import type { ToolCallInterceptor } from "../agents/tool-interceptor.js";
import { errorMessage } from "../errors.js";
import type { TokenUsage } from "../models/model.js";
import { encode, type JournalEntry, type RunStore } from "./run-store.js";

/** Where a call stands in the journal read at the start of an attempt. */
type Recorded = { tool: string; args: string; outcome?: { value: unknown } | { message: string }; parked?: boolean };

/** The call being made, for the approval gate inside it: it parks that call. */
export interface CurrentCall {
  stepNumber: number;
  index: number;
  tool: string;
}

/** The journal of one attempt of one run. */
export class ToolJournal {
  private readonly recorded = new Map<number, Recorded>();
  private stepNumber = 0;
  private callsInStep = 0;
  private pendingReply: JournalEntry | undefined;
  private active: CurrentCall | undefined;

  /**
   * `entries` is the journal of step `resumedStep` as a stopped attempt left it (empty for a new
   * run): its calls are answered from it.
   */
  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
    /** The attempt writing: the journal takes its entries only while it owns the run. */
    private readonly owner: string,
    private readonly resumedStep: number,
    entries: readonly JournalEntry[],
  ) {
    for (const entry of entries) {
      if (entry.kind === "call") this.recorded.set(entry.index, { tool: entry.tool, args: entry.args });
      const call = entry.kind === "reply" ? undefined : this.recorded.get(entry.index);
      if (call === undefined) continue;
      if (entry.kind === "result") call.outcome = { value: entry.value };
      if (entry.kind === "error") call.outcome = { message: entry.message };
      if (entry.kind === "parked") call.parked = true;
    }
  }

  /** The model's reply for the resumed step, when the stopped attempt recorded one. */
  static recordedReply(entries: readonly JournalEntry[]): { text: string; tokenUsage?: TokenUsage } | undefined {
    const reply = entries.find((entry) => entry.kind === "reply");
    return reply === undefined ? undefined : { text: reply.text, ...(reply.tokenUsage ? { tokenUsage: reply.tokenUsage } : {}) };
  }

  /** The call being made now, if any (the sandbox makes one call at a time). */
  get currentCall(): CurrentCall | undefined {
    return this.active;
  }

  /** Keeps the model's reply of a step, written with the step's first call (a step without calls need not be journaled). */
  noteReply(stepNumber: number, text: string, tokenUsage: TokenUsage | undefined): void {
    this.moveTo(stepNumber);
    this.pendingReply = { kind: "reply", text, ...(tokenUsage ? { tokenUsage: { inputTokens: tokenUsage.inputTokens, outputTokens: tokenUsage.outputTokens } } : {}) };
  }

  /** Records that the call being made waits for a person, so a resumed attempt makes it after the decision. */
  async park(call: CurrentCall): Promise<void> {
    await this.store.journal(this.runId, this.owner, call.stepNumber, { kind: "parked", index: call.index });
  }

  readonly intercept: ToolCallInterceptor = async (call, next) => {
    this.moveTo(call.stepNumber);
    const index = this.callsInStep++;
    const recorded = call.stepNumber === this.resumedStep ? this.recorded.get(index) : undefined;
    if (recorded !== undefined && !recorded.parked) {
      if (recorded.tool !== call.tool || recorded.args !== encode(call.args)) {
        throw new Error(
          `This step's code called ${call.tool} where the journal of its earlier attempt has ${recorded.tool} with other arguments; the call was not made. The code may not repeat itself (random values, the clock).`,
        );
      }
      if (recorded.outcome === undefined) {
        throw new Error(
          `The call to ${call.tool} was cut off when the worker running this step stopped; it was not made again, since it may already have acted. Check its effect before calling it again.`,
        );
      }
      if ("message" in recorded.outcome) throw new Error(recorded.outcome.message);
      return recorded.outcome.value;
    }
    const entries: JournalEntry[] = [];
    if (this.pendingReply !== undefined) entries.push(this.pendingReply);
    this.pendingReply = undefined;
    entries.push({ kind: "call", index, tool: call.tool, args: encode(call.args) });
    await this.store.journal(this.runId, this.owner, call.stepNumber, ...entries);
    this.active = { stepNumber: call.stepNumber, index, tool: call.tool };
    try {
      const value = await next();
      await this.store.journal(this.runId, this.owner, call.stepNumber, { kind: "result", index, value });
      return value;
    } catch (error) {
      // A call stopped with its run (parked, cancelled, shut down) stays open in the journal.
      if (!call.signal?.aborted) await this.store.journal(this.runId, this.owner, call.stepNumber, { kind: "error", index, message: errorMessage(error) });
      throw error;
    } finally {
      this.active = undefined;
    }
  };

  private moveTo(stepNumber: number): void {
    if (stepNumber === this.stepNumber) return;
    this.stepNumber = stepNumber;
    this.callsInStep = 0;
    this.pendingReply = undefined;
  }
}
