/**
 * One conversation of the web UI: its agent (made on the first message, kept so each run
 * continues the last with `reset: false`), the events so far (replayed to a page that reloads),
 * the pages listening, and the approvals waiting for a click.
 */
import { randomUUID } from "node:crypto";

import { AgentMemory, type SerializedMemory } from "../agents/agent-memory.js";
import type { ApprovalRequest, OnApproval } from "../agents/approval.js";
import type { MultiStepAgent } from "../agents/multi-step-agent.js";
import { AgentConfigurationError, errorMessage } from "../errors.js";
import { ApprovalPlaces } from "./approval-places.js";
import type { OpenedMemory } from "./saved-memory.js";
import { toWireEvent, type WireEvent } from "./ui-events.js";
import type { Uploads } from "./uploads.js";

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

/** Pages that may follow one conversation at once: a few tabs, not a flood of streams. */
const MAX_SUBSCRIPTIONS = 8;
/** Events kept for replay: the older ones go, so a long conversation cannot fill the memory. */
const MAX_KEPT_EVENTS = 5_000;

/** A page's stream of the conversation's new events: queued as they come, taken one at a time. */
export class EventSubscription {
  private readonly queue: NumberedEvent[] = [];
  private waiting: (() => void) | undefined;

  constructor(private readonly remove: (subscription: EventSubscription) => void) {}

  /** Queues `event` and wakes the page's stream. */
  push(event: NumberedEvent): void {
    this.queue.push(event);
    this.wakeUp();
  }

  /** The next queued event, if any. */
  take(): NumberedEvent | undefined {
    return this.queue.shift();
  }

  /**
   * Resolves `true` at the next event or {@link wakeUp}, or `false` when `timeoutMs` passes first
   * (the stream then sends a keep-alive).
   */
  wait(timeoutMs?: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => ((this.waiting = undefined), resolve(false)), timeoutMs);
      this.waiting = () => (clearTimeout(timer), resolve(true));
    });
  }

  /** Ends a {@link wait}: something the stream must look at happened (the page went, the conversation closed). */
  wakeUp(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  /** Stops the events: the page's stream ended. */
  end(): void {
    this.remove(this);
  }
}

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
  /** The id of the newest event no longer kept, 0 while all are. */
  private lastDroppedId = 0;
  private droppedCount = 0;
  private readonly subscriptions = new Set<EventSubscription>();
  /** Set when {@link close} has ended: its event streams end too. */
  closed = false;
  private readonly approvals = new Map<string, PendingApproval>();
  private readonly approvalPlaces = new ApprovalPlaces();
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  /** Set by the first Stop of a run: the next one aborts. */
  private stopRequested = false;
  /** A saved memory opened into this conversation, until its agent is made and takes it. */
  private opened: AgentMemory | undefined;

  constructor(private readonly createAgent: CreateAgent) {}

  /** Whether a run is going on. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** The events after `afterId`, in order; first a note when some of them are no longer kept. */
  eventsAfter(afterId: number): NumberedEvent[] {
    const kept = this.log.filter((entry) => entry.id > afterId);
    if (afterId >= this.lastDroppedId) return kept;
    return [{ id: this.lastDroppedId, event: { type: "ui-events-dropped", count: this.droppedCount } }, ...kept];
  }

  /**
   * Queues every event from now on for a page; undefined when the conversation is closed or
   * {@link MAX_SUBSCRIPTIONS} pages follow it already. End the subscription when the page goes.
   */
  subscribe(): EventSubscription | undefined {
    if (this.closed || this.subscriptions.size >= MAX_SUBSCRIPTIONS) return undefined;
    const subscription = new EventSubscription((gone) => this.subscriptions.delete(gone));
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Shows a saved memory's runs as they happened, and makes it where the conversation goes on:
   * the agent, once made, starts with its steps. Call it before the first message.
   */
  open({ memory, events }: OpenedMemory, name: string): void {
    if (this.log.length > 0 || this.agent !== undefined) throw new AgentConfigurationError("A saved memory can only be opened into a new conversation.");
    this.opened = memory;
    const firstTask = memory.steps.find((step) => step.type === "task")?.task;
    this.title = shortTitle(firstTask ?? name);
    for (const event of events) {
      // The page shows a task as the user's message: a stored run's task is shown the same way.
      if (event.type === "run-start" && event.managed === undefined) this.publish({ type: "ui-user-message", task: event.task });
      this.publish(toWireEvent(event));
    }
    this.publish({ type: "ui-memory-opened", name, steps: memory.steps.length });
  }

  /**
   * Starts a run of `task` that continues the conversation; its events go to the listeners.
   * `uploads`: the images go to the model with the task, the other files become the variable `files`.
   * Throws when a run is going on already: an agent runs one task at a time.
   */
  start(task: string, uploads?: Uploads): void {
    if (this.running) throw new AgentConfigurationError("This conversation is running a task already: wait for it to end, or press Stop.");
    if (this.log.length === 0) this.title = shortTitle(task);
    this.publish({ type: "ui-user-message", task, ...(uploads?.names.length ? { attachments: uploads.names } : {}) });
    const abort = new AbortController();
    this.abort = abort;
    this.running = this.runTask(task, uploads, abort.signal).finally(() => {
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

  /** The agent's memory as `AgentMemory.toJSON()` saves it (the opened one, or empty, before the first message). */
  memory(): SerializedMemory {
    return (this.agent?.memory ?? this.opened ?? new AgentMemory()).toJSON();
  }

  /** Stops any run, closes the agent and ends the pages' event streams (after what was queued for them). */
  async close(): Promise<void> {
    this.refusePendingApprovals("the web UI closed");
    this.abort?.abort(new AgentConfigurationError("The web UI closed."));
    await this.running?.catch(() => undefined);
    await this.agent?.close();
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.wakeUp();
    this.subscriptions.clear();
  }

  private async runTask(task: string, uploads: Uploads | undefined, signal: AbortSignal): Promise<void> {
    this.stopRequested = false;
    try {
      this.agent ??= await this.createAgent({ onApproval: (request) => this.askPage(request) });
      if (this.opened !== undefined) {
        // The opened memory becomes the agent's, its sandbox variables rebuilt from the recorded
        // steps (no tool call made again): this run continues it (`reset: false`).
        await this.agent.restore(this.opened, { signal });
        this.opened = undefined;
      }
      const images = uploads?.images.length ? { images: uploads.images } : {};
      // Only a message with files sets `files`: a later message without any keeps the earlier ones.
      const files = uploads && Object.keys(uploads.files).length > 0 ? { additionalArgs: { files: uploads.files } } : {};
      for await (const event of this.agent.stream(task, { reset: false, signal, ...images, ...files })) {
        if (event.type === "approval-request") this.approvalPlaces.heard(event);
        this.publish(toWireEvent(event), event.type !== "model-delta");
      }
    } catch (error) {
      const name = error instanceof Error ? error.name : "Error";
      this.publish({ type: "ui-run-failed", error: name, message: errorMessage(error) });
    } finally {
      this.refusePendingApprovals("the run ended");
      this.approvalPlaces.clear();
    }
  }

  private askPage(request: ApprovalRequest): Promise<boolean | string> {
    const id = randomUUID();
    return new Promise((resolve) => {
      const settle = (approved: boolean, reason?: string) => {
        if (!this.approvals.delete(id)) return;
        cancelShow();
        this.publish({ type: "ui-approval-settled", id, approved, ...(reason === undefined ? {} : { reason }) });
        resolve(approved ? true : (reason ?? "the user refused it in the web UI"));
      };
      this.approvals.set(id, { settle });
      // The run stopped waiting (time limit, abort): the buttons must go.
      request.signal?.addEventListener("abort", () => settle(false, "the run stopped waiting for approval"), { once: true });
      // Shown where it was asked (a managed agent's step) once the agent's event says where.
      const cancelShow = this.approvalPlaces.ask(request.tool, (place) => {
        this.publish({ type: "ui-approval-pending", id, tool: request.tool, description: request.description, arguments: request.args, ...place });
      });
    });
  }

  private refusePendingApprovals(reason: string): void {
    for (const pending of [...this.approvals.values()]) pending.settle(false, reason);
  }

  /** Sends `event` to the listeners; kept for replay unless it is a streamed delta (the whole reply follows). */
  private publish(event: WireEvent, keep = true): void {
    const numbered = { id: this.nextEventId++, event };
    if (keep) this.log.push(numbered);
    if (this.log.length > MAX_KEPT_EVENTS) {
      this.lastDroppedId = this.log.shift()!.id;
      this.droppedCount++;
    }
    for (const subscription of this.subscriptions) subscription.push(numbered);
  }
}

/** A title for the conversation list: the first 60 characters. */
function shortTitle(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
