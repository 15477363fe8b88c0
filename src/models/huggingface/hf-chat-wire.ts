/**
 * The chat-completions shapes Hugging Face Inference Providers answer with (OpenAI's format, as
 * the SDK passes it through), and their translation into codeagent's deltas, tool calls and usage.
 * Replies are checked here because the SDK hands over whatever JSON a dedicated endpoint sent.
 */
import type { ChatMessageStreamDelta, ModelToolCall, TokenUsage } from "../model.js";
import { parseToolArguments } from "../openai/openai-messages.js";

interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

interface WireToolCall {
  id?: string;
  index?: number;
  /** Text from most providers; some TGI versions send the arguments as a JSON object. */
  function?: { name?: string; arguments?: unknown };
}

/** A non-streamed reply. */
export interface WireCompletion {
  choices: { message?: { content?: string | null; tool_calls?: WireToolCall[] | null } }[];
  usage?: WireUsage | null;
}

/** A streamed chunk. */
export interface WireChunk {
  choices?: { delta?: { content?: string | null; tool_calls?: WireToolCall[] | null } }[];
  usage?: WireUsage | null;
}

/** Whether `data` is a chat completion (an object with `choices`), not an HTML page or unrelated JSON. */
export function isCompletion(data: unknown): data is WireCompletion {
  return typeof data === "object" && data !== null && Array.isArray((data as WireCompletion).choices);
}

/** Whether a streamed event is a chunk: it has choices, or is the usage chunk (some servers leave `choices` out of it). */
export function isCompletionChunk(data: unknown): data is WireChunk {
  if (typeof data !== "object" || data === null) return false;
  const chunk = data as WireChunk;
  return Array.isArray(chunk.choices) || (typeof chunk.usage === "object" && chunk.usage !== null);
}

/** Token usage as the server counted it; cache reads only when the provider reports some. */
export function toTokenUsage(usage: WireUsage): TokenUsage {
  const tokenUsage: TokenUsage = { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0 };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cached === "number" && cached > 0) tokenUsage.cacheReadTokens = cached;
  return tokenUsage;
}

/** A reply's tool calls with parsed arguments, or undefined when it has none. */
export function fromWireToolCalls(calls: readonly WireToolCall[] | null | undefined): ModelToolCall[] | undefined {
  const toolCalls = (calls ?? []).flatMap((call, position) => {
    const name = call.function?.name;
    if (!name) return [];
    const raw = call.function?.arguments;
    return [{ id: call.id || `call_${position}`, name, arguments: typeof raw === "string" ? parseToolArguments(raw) : (raw ?? {}) }];
  });
  return toolCalls.length > 0 ? toolCalls : undefined;
}

/** A streamed tool-call piece; TGI sends empty ids and names on the pieces after the first. */
export function toToolCallDelta(call: WireToolCall, position: number): NonNullable<ChatMessageStreamDelta["toolCalls"]>[number] {
  const argumentsDelta = call.function?.arguments;
  return {
    index: call.index ?? position,
    ...(call.id ? { id: call.id } : {}),
    ...(call.function?.name ? { name: call.function.name } : {}),
    ...(typeof argumentsDelta === "string" && argumentsDelta !== "" ? { argumentsDelta } : {}),
  };
}
