/**
 * Where in the page an approval belongs. `onApproval` is told the tool and its arguments, not
 * which agent asks: the agent's `approval-request` event says that (the managed agent and its
 * step), and it reaches the conversation through the run's event stream, usually just after the
 * ask. Each ask is paired with the first such event for the same tool, in either order.
 */
import type { ApprovalRequestEvent, ManagedEventOrigin } from "../agents/events.js";

/** The agent and step that asked for an approval (`managed` absent: the conversation's own agent). */
export interface ApprovalPlace {
  stepNumber: number;
  managed?: ManagedEventOrigin;
}

/** How long an ask waits for its event before it is shown without a place. */
const DEFAULT_WAIT_MS = 250;

interface WaitingAsk {
  tool: string;
  show(place: ApprovalPlace | undefined): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Pairs approvals asked of the page with the events that say where they were asked. */
export class ApprovalPlaces {
  private readonly asks: WaitingAsk[] = [];
  /** Events heard before their ask, with when; one older than the wait had no ask (an agent without `onApproval`). */
  private readonly heardEvents: { tool: string; place: ApprovalPlace; at: number }[] = [];

  constructor(private readonly waitMs = DEFAULT_WAIT_MS) {}

  /**
   * Calls `show` once with the place of an ask for `tool`: at once when its event came already,
   * else when it comes, or without a place after a short wait (the ask must not go unseen).
   * Returns what cancels a `show` still to come (the ask was settled first).
   */
  ask(tool: string, show: (place: ApprovalPlace | undefined) => void): () => void {
    const index = this.heardEvents.findIndex((heard) => heard.tool === tool && Date.now() - heard.at <= this.waitMs);
    if (index >= 0) {
      show(this.heardEvents.splice(index, 1)[0]!.place);
      return () => {};
    }
    const waiting: WaitingAsk = { tool, show, timer: setTimeout(() => this.take(waiting)?.show(undefined), this.waitMs) };
    this.asks.push(waiting);
    return () => void this.take(waiting);
  }

  /** An agent's `approval-request` event: it places the oldest ask for its tool, or waits for it. */
  heard(event: ApprovalRequestEvent & { managed?: ManagedEventOrigin }): void {
    const place: ApprovalPlace = { stepNumber: event.stepNumber, ...(event.managed ? { managed: event.managed } : {}) };
    const waiting = this.asks.find((ask) => ask.tool === event.tool);
    if (waiting !== undefined) this.take(waiting)!.show(place);
    else this.heardEvents.push({ tool: event.tool, place, at: Date.now() });
  }

  /** Forgets everything: the run ended. */
  clear(): void {
    for (const ask of this.asks.splice(0)) clearTimeout(ask.timer);
    this.heardEvents.length = 0;
  }

  private take(waiting: WaitingAsk): WaitingAsk | undefined {
    const index = this.asks.indexOf(waiting);
    if (index < 0) return undefined;
    clearTimeout(waiting.timer);
    return this.asks.splice(index, 1)[0];
  }
}
