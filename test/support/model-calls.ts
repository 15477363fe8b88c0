/** Small helpers for model adapter tests: what a stream added up to, and the error a call ended with. */
import type { ChatMessageStreamDelta } from "../../src/models/model.js";

/** Reads a stream to its end: its deltas, and the text they add up to. */
export async function textOf(stream: AsyncIterable<ChatMessageStreamDelta>): Promise<{ text: string; deltas: ChatMessageStreamDelta[] }> {
  const deltas: ChatMessageStreamDelta[] = [];
  for await (const delta of stream) deltas.push(delta);
  return { text: deltas.map((delta) => delta.content ?? "").join(""), deltas };
}

/** The error `promise` rejects with; a promise that fulfils fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}
