import type { AgentEvent } from "../agents/events.js";

/** Prints the events of a run as they arrive. */
export interface EventRenderer {
  /** Prints one event. Never throws for an event's content. */
  render(event: AgentEvent): void;
  /** Stops anything still running (a spinner) and ends an open line. Safe to call twice. */
  close(): void;
}
