/**
 * What a model call adds to the conversation. Each call of a run resends the whole history, so a
 * span that recorded every message would repeat the run so far: a run of n steps would store
 * n²/2 messages. A model-call span records the messages its run's previous call did not send.
 */
import { messageText, type ChatMessage } from "../models/model.js";

/** The messages of a call, split into those the previous call sent too and those it did not. */
export interface MessageDelta {
  /** How many leading messages are the previous call's, unchanged. */
  omitted: number;
  /** The rest: what this call adds. */
  added: readonly ChatMessage[];
}

/**
 * Splits `messages` against the `previous` call's: when the previous call's messages begin this
 * one unchanged (same roles, same text), they are omitted; otherwise (no previous call, or memory
 * was rewritten: summarised, cut to a budget) every message is new.
 */
export function messageDelta(previous: readonly ChatMessage[] | undefined, messages: readonly ChatMessage[]): MessageDelta {
  if (previous === undefined || previous.length > messages.length) return { omitted: 0, added: messages };
  const unchanged = previous.every((message, index) => sameMessage(message, messages[index]!));
  return unchanged ? { omitted: previous.length, added: messages.slice(previous.length) } : { omitted: 0, added: messages };
}

function sameMessage(a: ChatMessage, b: ChatMessage): boolean {
  return a === b || (a.role === b.role && messageText(a.content) === messageText(b.content));
}
