/**
 * One conversation of the web UI: its agent (made on the first message, kept so each run
 * continues the last with `reset: false`), the events so far (replayed to a page that reloads),
 * the pages listening, and the approvals waiting for a click.
 */
import { randomUUID } from "node:crypto";

import type { ApprovalRequest, OnApproval } from "../agents/approval.js";
import type { MultiStepAgent } from "../agents/multi-step-agent.js";
import { AgentConfigurationError } from "../errors.js";
import { toWireEvent, type WireEvent } from "./ui-events.js";

/** What `createAgent` is given: the `onApproval` that asks the page, for every agent it makes (managed ones too). */
export interface AgentContext {
  onApproval: OnApproval;
}

/** Makes the agent of a new conversation. */
export type CreateAgent = (context: AgentContext) => MultiStepAgent | Promise<MultiStepAgent>;

/** An event with its place in the conversation, the SSE id a reconnecting page resumes after. */
export interface NumberedEvent {
  id: number;
  event: WireEvent;
}

type Listener = (event: NumberedEvent) => void;

interface PendingApproval {
  settle(approved: boolean, reason?: string): void;
}

/** A conversation: one agent, its runs one at a time, their events. */
export class Conversation {
  readonly id = randomUUID();
  title = "New conversation";
  private agent: MultiStepAgent | undefined;
  private readonly log: NumberedEvent[] = [];
  private nextEventId = 1;
  private readonly listeners = new Set<Listener>();
  private readonly approvals = new Map<string, PendingApproval>();
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  /** Set by the first Stop of a run: the next one aborts. */
  private stopRequested = false;

  constructor(private readonly createAgent: CreateAgent) {}

  /** Whether a run is going on. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** The events after `afterId`, in order. */
  eventsAfter(afterId: number): NumberedEvent[] {
    return this.log.filter((entry) => entry.id > afterId);
  }

  /** Calls `listener` with every event from now on; returns the function that stops it. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts a run of `task` that continues the conversation; its events go to the listeners.
   * Throws when a run is going on already: an agent runs one task at a time.
   */
  start(task: string): void {
    if (this.running) throw new AgentConfigurationError("This conversation is running a task already: wait for it to end, or press Stop.");
    if (this.log.length === 0) this.title = task.length > 60 ? `${task.slice(0, 57)}...` : task;
    this.publish({ type: "ui-user-message", task });
    const abort = new AbortController();
    this.abort = abort;
    this.running = this.runTask(task, abort.signal).finally(() => {
      this.running = undefined;
      this.abort = undefined;
    });
  }

  /**
   * Stops the run: the first call ends it after its current step (resumable, state
   * "interrupted"), a second aborts it at once. Approvals waiting are refused either way.
   */
  stop(): void {
    if (!this.running) return;
    this.refusePendingApprovals("the user stopped the run");
    if (this.stopRequested) this.abort?.abort(new AgentConfigurationError("The run was stopped from the web UI."));
    this.stopRequested = true;
    this.agent?.interrupt();
  }

  /** Decides approval `id`; false when no such approval is waiting (decided already, or the run ended). */
  decide(id: string, approved: boolean, reason?: string): boolean {
    const pending = this.approvals.get(id);
    if (pending === undefined) return false;
    pending.settle(approved, reason);
    return true;
  }

  /** The agent's memory as JSON-ready data (empty before the first message). */
  memory(): { systemPrompt: string; steps: unknown[] } {
    return { systemPrompt: this.agent?.memory.systemPrompt ?? "", steps: [...(this.agent?.memory.steps ?? [])] };
  }

  /** Stops any run and closes the agent. */
  async close(): Promise<void> {
    this.refusePendingApprovals("the web UI closed");
    this.abort?.abort(new AgentConfigurationError("The web UI closed."));
    await this.running?.catch(() => undefined);
    await this.agent?.close();
    this.listeners.clear();
  }

  private async runTask(task: string, signal: AbortSignal): Promise<void> {
    this.stopRequested = false;
    try {
      this.agent ??= await this.createAgent({ onApproval: (request) => this.askPage(request) });
      for await (const event of this.agent.stream(task, { reset: false, signal })) {
        this.publish(toWireEvent(event), event.type !== "model-delta");
      }
    } catch (error) {
      const name = error instanceof Error ? error.name : "Error";
      this.publish({ type: "ui-run-failed", error: name, message: error instanceof Error ? error.message : String(error) });
    } finally {
      this.refusePendingApprovals("the run ended");
    }
  }

  private askPage(request: ApprovalRequest): Promise<boolean | string> {
    const id = randomUUID();
    return new Promise((resolve) => {
      const settle = (approved: boolean, reason?: string) => {
        if (!this.approvals.delete(id)) return;
        this.publish({ type: "ui-approval-settled", id, approved, ...(reason === undefined ? {} : { reason }) });
        resolve(approved ? true : (reason ?? "the user refused it in the web UI"));
      };
      this.approvals.set(id, { settle });
      // The run stopped waiting (time limit, abort): the buttons must go.
      request.signal?.addEventListener("abort", () => settle(false, "the run stopped waiting for approval"), { once: true });
      this.publish({ type: "ui-approval-pending", id, tool: request.tool, description: request.description, arguments: request.args });
    });
  }

  private refusePendingApprovals(reason: string): void {
    for (const pending of [...this.approvals.values()]) pending.settle(false, reason);
  }

  /** Sends `event` to the listeners; kept for replay unless it is a streamed delta (the whole reply follows). */
  private publish(event: WireEvent, keep = true): void {
    const numbered = { id: this.nextEventId++, event };
    if (keep) this.log.push(numbered);
    for (const listener of this.listeners) listener(numbered);
  }
}
