/**
 * Thinking blocks kept for the tool calls they led to. With extended thinking on, the API wants
 * an assistant turn that called tools sent back with the thinking blocks that came before its
 * calls, signatures intact. A {@link ChatMessage} has no place for them (and they must never
 * reach the text a parser reads), so the model remembers them by tool-call id and puts them back
 * when a message with those calls is sent again.
 */
import type { ReasoningBlock } from "./anthropic-wire.js";

/** How many replies' thinking is kept; a tool-use loop only ever needs the latest few. */
const KEPT_REPLIES = 64;

/** Thinking blocks by the id of the first tool call of the reply they came with. */
export class ReasoningMemory {
  private readonly byCallId = new Map<string, ReasoningBlock[]>();

  /** Keeps `blocks` for the reply whose tool calls have `callIds`; nothing without calls or blocks. */
  remember(callIds: readonly string[], blocks: readonly ReasoningBlock[]): void {
    const first = callIds[0];
    if (first === undefined || blocks.length === 0) return;
    this.byCallId.delete(first);
    this.byCallId.set(first, [...blocks]);
    while (this.byCallId.size > KEPT_REPLIES) {
      const oldest = this.byCallId.keys().next().value;
      if (oldest === undefined) break;
      this.byCallId.delete(oldest);
    }
  }

  /** The thinking blocks of the reply whose first tool call had `callId`, if still kept. */
  recall(callId: string | undefined): ReasoningBlock[] | undefined {
    return callId === undefined ? undefined : this.byCallId.get(callId);
  }
}
