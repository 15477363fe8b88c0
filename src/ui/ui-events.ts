/**
 * What the page is sent over Server-Sent Events: the agent's events, slimmed (a step's or a
 * run's full record stays in memory, downloadable), plus the UI's own: the user's message, an
 * approval waiting for a click and its outcome, a run that failed, a saved memory opened.
 */
import type { AgentEvent, ManagedEventOrigin } from "../agents/events.js";
import type { DurableRunEvent, DurableRunState, PendingApproval } from "../jobs/durable-run.js";

/** The user sent a task. */
export interface UserMessageEvent {
  type: "ui-user-message";
  task: string;
  /** Names of the files attached to the message. */
  attachments?: string[];
}

/** A tool call waits for the user's Approve or Refuse; `id` names it in the decision request. */
export interface ApprovalPendingEvent {
  type: "ui-approval-pending";
  id: string;
  tool: string;
  description: string;
  arguments: Record<string, unknown>;
  /** The step of the agent that asked, when known. */
  stepNumber?: number;
  /** Set when a managed agent asked: the page shows the buttons in its step. */
  managed?: ManagedEventOrigin;
}

/** The approval `id` was decided (by a click, or refused because the run stopped). */
export interface ApprovalSettledEvent {
  type: "ui-approval-settled";
  id: string;
  approved: boolean;
  reason?: string;
}

/** The run ended with an error (the model could not be reached, the run was aborted). */
export interface RunFailedEvent {
  type: "ui-run-failed";
  error: string;
  message: string;
}

/** A replay starts here: the conversation's `count` oldest events are no longer kept. */
export interface EventsDroppedEvent {
  type: "ui-events-dropped";
  count: number;
}

/** The events before it showed a saved memory the user opened; the conversation continues from it. */
export interface MemoryOpenedEvent {
  type: "ui-memory-opened";
  /** The file's name. */
  name: string;
  /** How many steps the memory holds. */
  steps: number;
}

/** A durable run (of the queue the UI shows) changed state. */
export interface RunStateEvent {
  type: "ui-run-state";
  state: DurableRunState;
  /** Why: the error of a failed or retried run, the note of a cancel or a hand-back. */
  reason?: string;
  /** The call it waits for, in state `waiting-approval`. */
  pendingApproval?: PendingApproval;
  /** The worker that took it, in state `running`. */
  worker?: string;
}

/** Following a durable run stopped before it ended (its queue's Redis went away). */
export interface WatchFailedEvent {
  type: "ui-watch-failed";
  message: string;
}

/** The UI's own events. */
export type UiOwnEvent = UserMessageEvent | ApprovalPendingEvent | ApprovalSettledEvent | RunFailedEvent | EventsDroppedEvent | MemoryOpenedEvent | RunStateEvent | WatchFailedEvent;

/** An agent event as sent to the page: run and step records reduced to their figures. */
export type WireEvent = UiOwnEvent | { type: string; managed?: ManagedEventOrigin; [field: string]: unknown };

/** The event as the page gets it: what it renders, without memory records it does not show. */
export function toWireEvent(event: AgentEvent): WireEvent {
  if (event.type === "step-finish") {
    const { step } = event;
    return {
      ...event,
      step: {
        type: step.type,
        ...(step.type === "action" ? { stepNumber: step.stepNumber, isFinalAnswer: step.isFinalAnswer === true } : {}),
        ...(step.tokenUsage ? { tokenUsage: step.tokenUsage } : {}),
        timing: step.timing,
      },
    };
  }
  if (event.type === "run-finish") {
    const { output, state, tokenUsage, durationMs } = event.result;
    return { ...event, result: { output, state, tokenUsage, durationMs } };
  }
  return { ...event };
}

/**
 * An entry of a durable run's stream as the page gets it: the agent's events as a conversation's,
 * a change of state as a line of its own (the result shows through the agent's final answer).
 */
export function runEventToWire(entry: DurableRunEvent): WireEvent {
  if (entry.type === "agent") return toWireEvent(entry.event);
  const { state, reason, pendingApproval, worker } = entry;
  return { type: "ui-run-state", state, ...(reason === undefined ? {} : { reason }), ...(pendingApproval ? { pendingApproval } : {}), ...(worker === undefined ? {} : { worker }) };
}

/** JSON for an event: values JSON cannot hold (bigint, cycles) become text rather than failing the stream. */
export function eventJson(event: WireEvent): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(event, (_key, value: unknown) => {
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "object" && value !== null) {
      if (seen.has(value)) return "[seen above]";
      seen.add(value);
    }
    return value;
  });
}
