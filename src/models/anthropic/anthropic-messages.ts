/**
 * Translation of codeagent's chat messages to the Messages API: system messages go to the
 * top-level `system` field, tool results become `tool_result` blocks of a user turn, and
 * consecutive messages of one side are merged into one turn, as the API wants turns to alternate.
 */
import { AgentConfigurationError } from "../../errors.js";
import { messageText, type ChatMessage, type ContentPart, type ImagePart } from "../model.js";
import { imageUrl } from "../openai/openai-messages.js";
import type { ImageBlock, ReasoningBlock, RequestBlock, RequestMessage, TextBlock } from "./anthropic-wire.js";

/** A conversation as the API takes it. */
export interface AnthropicConversation {
  system: TextBlock[];
  messages: RequestMessage[];
}

/** Finds the thinking blocks that came before an assistant message's tool calls. */
export type RecallReasoning = (message: ChatMessage) => ReasoningBlock[] | undefined;

/**
 * Converts messages. System messages, wherever they stand, become `system` text blocks in their
 * order. Empty or blank text is left out (the API rejects text blocks without visible text), and
 * so is a message left with nothing; a conversation left with no message at all is refused with
 * an {@link AgentConfigurationError}. A `tool` message without a `toolCallId` cannot be a tool result and is sent as user text.
 * In a user turn, tool results come first, as the API requires.
 */
export function toAnthropicConversation(messages: readonly ChatMessage[], recallReasoning: RecallReasoning = () => undefined): AnthropicConversation {
  const system: TextBlock[] = [];
  const turns: RequestMessage[] = [];
  for (const message of messages) {
    if (message.role === "system") {
      const text = messageText(message.content);
      if (hasText(text)) system.push({ type: "text", text });
      continue;
    }
    const role = message.role === "assistant" ? "assistant" : "user";
    const blocks = role === "assistant" ? assistantBlocks(message, recallReasoning) : userBlocks(message);
    if (blocks.length === 0) continue;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  // The API refuses an empty `messages`; a placeholder turn would have the model answer a question
  // nobody asked, so the caller is told instead.
  if (turns.length === 0) {
    throw new AgentConfigurationError(
      "AnthropicModel has no message to send: every user, assistant and tool message is empty or blank (system messages go to the `system` prompt), and the Messages API needs at least one. Add a user message with text or an image.",
    );
  }
  for (const turn of turns) if (turn.role === "user") putToolResultsFirst(turn);
  return { system, messages: turns };
}

function assistantBlocks(message: ChatMessage, recallReasoning: RecallReasoning): RequestBlock[] {
  const blocks: RequestBlock[] = [];
  if (message.toolCalls?.length) blocks.push(...(recallReasoning(message) ?? []));
  const text = messageText(message.content);
  if (hasText(text)) blocks.push({ type: "text", text });
  for (const call of message.toolCalls ?? []) {
    blocks.push({ type: "tool_use", id: call.id, name: call.name, input: toolInput(call.arguments) });
  }
  return blocks;
}

function userBlocks(message: ChatMessage): RequestBlock[] {
  const content = contentBlocks(message.content);
  if (message.role !== "tool" || message.toolCallId === undefined) return content;
  const onlyText = content.every((block) => block.type === "text");
  return [{ type: "tool_result", tool_use_id: message.toolCallId, content: onlyText ? messageText(message.content) : content }];
}

function contentBlocks(content: string | ContentPart[]): (TextBlock | ImageBlock)[] {
  if (typeof content === "string") return hasText(content) ? [{ type: "text", text: content }] : [];
  return content.flatMap((part): (TextBlock | ImageBlock)[] => {
    if (part.type === "image") return [toImageBlock(part)];
    return hasText(part.text) ? [{ type: "text", text: part.text }] : [];
  });
}

function hasText(text: string): boolean {
  return text.trim() !== "";
}

function putToolResultsFirst(turn: RequestMessage): void {
  const results = turn.content.filter((block) => block.type === "tool_result");
  if (results.length === 0 || results.length === turn.content.length) return;
  turn.content = [...results, ...turn.content.filter((block) => block.type !== "tool_result")];
}

/** The API takes tool input as a JSON object: arguments the model wrote as unparsable text are wrapped. */
function toolInput(argumentsValue: unknown): unknown {
  if (typeof argumentsValue === "object" && argumentsValue !== null && !Array.isArray(argumentsValue)) return argumentsValue;
  if (argumentsValue === undefined || argumentsValue === "") return {};
  return { input: argumentsValue };
}

/**
 * An image as the API takes it: `http(s):` URLs as a `url` source, `data:` URLs and bytes as a
 * `base64` source (bytes without a `mediaType` are recognised as PNG, JPEG, GIF or WebP).
 * @throws {AgentConfigurationError} for another kind of URL, or data whose media type is not an image's.
 */
export function toImageBlock(part: ImagePart): ImageBlock {
  if (typeof part.image === "string" && /^https?:/i.test(part.image)) return { type: "image", source: { type: "url", url: part.image } };
  const url = imageUrl(part.image, part.mediaType);
  const match = /^data:([^;,]+);base64,(.*)$/is.exec(url);
  if (match === null) {
    throw new AgentConfigurationError(
      `Anthropic takes images as https: URLs, base64 data: URLs or bytes, not "${url.slice(0, 40)}${url.length > 40 ? "…" : ""}". Pass the image's bytes with its mediaType instead.`,
    );
  }
  const mediaType = match[1]!.toLowerCase();
  // Anthropic reads base64 images only; other media (text, PDF) would be refused, or misread, as an image.
  if (!mediaType.startsWith("image/")) {
    throw new AgentConfigurationError(
      `Anthropic takes images only, but an image part holds "${mediaType}" data. Send text as a text part, and images as PNG, JPEG, GIF or WebP.`,
    );
  }
  return { type: "image", source: { type: "base64", media_type: mediaType, data: match[2]! } };
}
