/**
 * What a Messages API reply means for codeagent: the text of its `text` blocks (thinking blocks
 * never reach it), its `tool_use` blocks as tool calls (the JSON-format tool's input as the text
 * instead), the thinking blocks to remember, and the token usage.
 */
import { applyStopSequences, type ChatMessage, type ModelToolCall, type TokenUsage } from "../model.js";
import type { FormatTool } from "./anthropic-request.js";
import type { MessagesReply, ReasoningBlock, ReplyBlock, TextBlock, ToolUseBlock, WireUsage } from "./anthropic-wire.js";

/** A reply taken apart. */
export interface ReadReply {
  message: ChatMessage;
  reasoning: ReasoningBlock[];
}

/** Whether `value` looks like a Messages API reply at all (an HTML page or unrelated JSON does not). */
export function isMessagesReply(value: unknown): value is MessagesReply {
  return typeof value === "object" && value !== null && Array.isArray((value as { content?: unknown }).content);
}

/**
 * The reply as an assistant message. Stop sequences are applied to the text here too, for
 * servers that ignore `stop_sequences`; with a format tool, its input is the text.
 */
export function readReply(reply: MessagesReply, formatTool: FormatTool | undefined, stopSequences: readonly string[] | undefined): ReadReply {
  let text = "";
  const toolCalls: ModelToolCall[] = [];
  const reasoning: ReasoningBlock[] = [];
  for (const block of reply.content) {
    if (isText(block)) text += block.text;
    else if (isToolUse(block)) {
      if (block.name === formatTool?.name) text += formatAnswer(block.input, formatTool);
      else toolCalls.push({ id: block.id, name: block.name, arguments: block.input ?? {} });
    } else if (isReasoning(block)) reasoning.push(block);
  }
  const message: ChatMessage = { role: "assistant", content: applyStopSequences(text, stopSequences) };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  if (reply.usage) message.tokenUsage = toTokenUsage(reply.usage);
  return { message, reasoning };
}

/** The format tool's input as JSON text, unwrapped when its schema was wrapped. */
export function formatAnswer(input: unknown, formatTool: FormatTool): string {
  const value = formatTool.wrapped && typeof input === "object" && input !== null ? (input as { value?: unknown }).value : input;
  return JSON.stringify(value ?? null);
}

/**
 * The usage in codeagent's terms: `inputTokens` counts every prompt token, the cached ones too
 * (the API's `input_tokens` leaves them out). Cache counts appear when they are not zero.
 */
export function toTokenUsage(usage: WireUsage): TokenUsage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const tokens: TokenUsage = { inputTokens: (usage.input_tokens ?? 0) + cacheRead + cacheWrite, outputTokens: usage.output_tokens ?? 0 };
  if (cacheRead > 0) tokens.cacheReadTokens = cacheRead;
  if (cacheWrite > 0) tokens.cacheWriteTokens = cacheWrite;
  return tokens;
}

/** Usage counts of a later event replace earlier ones; counts it leaves out (null) stay. */
export function mergeUsage(earlier: WireUsage | undefined, later: WireUsage | undefined): WireUsage | undefined {
  if (later === undefined) return earlier;
  const merged: WireUsage = { ...earlier };
  for (const [key, value] of Object.entries(later) as [keyof WireUsage, number | null | undefined][]) {
    if (typeof value === "number") merged[key] = value;
  }
  return merged;
}

/** Whether a reply block is text. */
export function isText(block: ReplyBlock): block is TextBlock {
  return block.type === "text" && typeof (block as TextBlock).text === "string";
}

/** Whether a reply block is a tool call (not a server tool's). */
export function isToolUse(block: ReplyBlock): block is ToolUseBlock {
  return block.type === "tool_use" && typeof (block as ToolUseBlock).id === "string";
}

/** Whether a reply block is thinking, plain or redacted. */
export function isReasoning(block: ReplyBlock): block is ReasoningBlock {
  return block.type === "thinking" || block.type === "redacted_thinking";
}
