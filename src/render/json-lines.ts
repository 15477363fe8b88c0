import type { AgentEvent } from "../agents/events.js";
import type { EventRenderer } from "./event-renderer.js";
import { safeJsonStringify } from "./safe-json.js";
import { escapeJsonForTerminal } from "./sanitize-text.js";

/**
 * A renderer for machines (`--json`): one JSON object per event, one per line, nothing else.
 *
 * Values JSON cannot hold never make it throw: a `bigint` is written as its decimal string, a
 * cycle as `"[Circular]"`, a `Map` as a list of entries, a `Set` as a list, an `Error` as its name
 * and message. An event that still cannot be written (a `toJSON` that throws) is replaced by
 * `{"type": <its type>, "serializationError": <why>}`, so every line stays one parsable object.
 * Characters a terminal would act on are `\uXXXX` escapes, so the lines are safe to print too.
 *
 * @param write - Where each line goes, e.g. `(text) => process.stdout.write(text)`.
 */
export function createJsonLinesRenderer(write: (text: string) => void): EventRenderer {
  return {
    render(event: AgentEvent) {
      write(`${escapeJsonForTerminal(eventToJsonLine(event))}\n`);
    },
    close() {},
  };
}

function eventToJsonLine(event: AgentEvent): string {
  try {
    return safeJsonStringify(event) ?? JSON.stringify({ type: "unknown" });
  } catch (error) {
    const reason = error instanceof Error ? error.message : "unknown error";
    return JSON.stringify({ type: typeOf(event), serializationError: reason });
  }
}

function typeOf(event: AgentEvent): string {
  try {
    return typeof event.type === "string" ? event.type : "unknown";
  } catch {
    return "unknown";
  }
}
