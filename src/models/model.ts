/**
 * The `Model` seam: what the agent loop needs from a language model, and nothing more. Adapters
 * (OpenAI-compatible servers, Anthropic, ...) translate it to their provider's protocol.
 */
import type { JsonSchema } from "../tools/json-schema.js";

/** Who wrote a message. `tool` messages carry a tool's result back to the model. */
export type Role = "system" | "user" | "assistant" | "tool";

/** A piece of text in a message. */
export interface TextPart {
  type: "text";
  text: string;
}

/**
 * An image in a message: an `https:` or `data:` URL, or raw bytes with their media type.
 */
export interface ImagePart {
  type: "image";
  image: string | Uint8Array;
  /** Needed with raw bytes, e.g. `image/png`. */
  mediaType?: string;
}

/** One part of a message's content. */
export type ContentPart = TextPart | ImagePart;

/** A tool call the model asked for (native tool calling). */
export interface ModelToolCall {
  id: string;
  name: string;
  /** The arguments as the model wrote them: parsed JSON when it parsed, else the raw text. */
  arguments: unknown;
}

/** Tokens a model call consumed. */
export interface TokenUsage {
  /** Every token of the prompt, those read from or written to the provider's prompt cache included. */
  inputTokens: number;
  outputTokens: number;
  /** Of `inputTokens`, how many the provider read from its prompt cache (billed lower), when it says. */
  cacheReadTokens?: number;
  /** Of `inputTokens`, how many the provider wrote to its prompt cache, when it says. */
  cacheWriteTokens?: number;
  /**
   * True when the counts are estimated here (about 4 characters a token), not counted by the
   * server: a stream cut at a stop sequence ends before the server's count arrives, and some
   * servers never send one. A sum is estimated when any of its parts is.
   */
  estimated?: boolean;
}

/** A chat message, sent to or received from a model. */
export interface ChatMessage {
  role: Role;
  content: string | ContentPart[];
  /** Tool calls requested by an assistant message. */
  toolCalls?: ModelToolCall[];
  /** On a `tool` message: which call this answers. */
  toolCallId?: string;
  /** On a received message: what the call cost. */
  tokenUsage?: TokenUsage;
}

/** A piece of a streamed reply. Concatenate `content`; `tokenUsage` usually comes last. */
export interface ChatMessageStreamDelta {
  content?: string;
  toolCalls?: { index: number; id?: string; name?: string; argumentsDelta?: string }[];
  tokenUsage?: TokenUsage;
}

/** A tool offered to the model for native tool calling. */
export interface ModelToolSpec {
  name: string;
  description: string;
  parameters: JsonSchema;
}

/** How the reply must be shaped. */
export type ResponseFormat = { type: "text" } | { type: "json_object" } | { type: "json_schema"; name: string; schema: JsonSchema };

/** Options of one model call. */
export interface GenerateOptions {
  /** Generation ends before any of these strings; the string itself is not returned. */
  stopSequences?: string[];
  /** Tools the model may call natively. */
  tools?: ModelToolSpec[];
  /** Whether the model must call a tool (`required`), may (`auto`), or must not (`none`). */
  toolChoice?: "auto" | "required" | "none";
  responseFormat?: ResponseFormat;
  /** Aborting cancels the call; it then rejects with the abort reason. */
  signal?: AbortSignal;
  temperature?: number;
  maxTokens?: number;
}

/** A language model. Every adapter passes the shared model contract suite. */
export interface Model {
  readonly modelId: string;
  /**
   * How many tokens the model takes in one call (prompt and reply), when known: from the
   * adapter's `contextWindow` option, the provider, or codeagent's table. Agents size their
   * default context budget from it.
   */
  readonly contextWindow?: number | undefined;
  generate(messages: ChatMessage[], options?: GenerateOptions): Promise<ChatMessage>;
  generateStream?(messages: ChatMessage[], options?: GenerateOptions): AsyncIterable<ChatMessageStreamDelta>;
}

/** The text of a message's content, images left out. */
export function messageText(content: string | ContentPart[]): string {
  if (typeof content === "string") return content;
  return content
    .filter((part): part is TextPart => part.type === "text")
    .map((part) => part.text)
    .join("");
}

/** Adds two token counts; the sum is marked estimated when either count is. */
export function addTokenUsage(a: TokenUsage | undefined, b: TokenUsage | undefined): TokenUsage {
  const sum: TokenUsage = { inputTokens: (a?.inputTokens ?? 0) + (b?.inputTokens ?? 0), outputTokens: (a?.outputTokens ?? 0) + (b?.outputTokens ?? 0) };
  // The cache counts appear in a sum only when some part reported them.
  if (a?.cacheReadTokens !== undefined || b?.cacheReadTokens !== undefined) sum.cacheReadTokens = (a?.cacheReadTokens ?? 0) + (b?.cacheReadTokens ?? 0);
  if (a?.cacheWriteTokens !== undefined || b?.cacheWriteTokens !== undefined) sum.cacheWriteTokens = (a?.cacheWriteTokens ?? 0) + (b?.cacheWriteTokens ?? 0);
  if (a?.estimated || b?.estimated) sum.estimated = true;
  return sum;
}

/** Rough token estimate used where no tokenizer is at hand: about 4 characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The usage of a call estimated from what was sent and what came back, marked as estimated. */
export function estimateTokenUsage(messages: readonly ChatMessage[], reply: string): TokenUsage {
  const sent = messages.reduce((total, message) => total + estimateTokens(messageText(message.content)), 0);
  return { inputTokens: sent, outputTokens: estimateTokens(reply), estimated: true };
}

/**
 * Cuts `text` before the first stop sequence, for servers that ignore or reject `stop`.
 * Returns the text unchanged when none occurs.
 */
export function applyStopSequences(text: string, stopSequences: readonly string[] | undefined): string {
  if (!stopSequences?.length) return text;
  let end = text.length;
  for (const stop of stopSequences) {
    if (stop === "") continue;
    const index = text.indexOf(stop);
    if (index >= 0 && index < end) end = index;
  }
  return text.slice(0, end);
}
