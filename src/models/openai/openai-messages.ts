/**
 * Translation between codeagent's chat messages and the chat-completions wire format that OpenAI
 * and the servers compatible with it (vLLM, Ollama, llama.cpp, TGI, LiteLLM, Azure) speak.
 */
import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
  ChatCompletionTool,
} from "openai/resources/chat/completions";

import { AgentConfigurationError } from "../../errors.js";
import { messageText, type ChatMessage, type ContentPart, type ModelToolCall, type ModelToolSpec, type ResponseFormat } from "../model.js";

/**
 * Converts messages to chat-completions messages. Text-only content is sent as a plain string,
 * which every compatible server accepts; content with images is sent as `text` and `image_url`
 * parts. A `tool` message without a `toolCallId` cannot be sent as a tool result, so it is sent
 * as a `user` message with the same content.
 */
export function toOpenAIMessages(messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map(toOpenAIMessage);
}

function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case "system":
      return { role: "system", content: messageText(message.content) };
    case "user":
      return { role: "user", content: toUserContent(message.content) };
    case "assistant": {
      const text = messageText(message.content);
      if (!message.toolCalls?.length) return { role: "assistant", content: text };
      return {
        role: "assistant",
        content: text === "" ? null : text,
        tool_calls: message.toolCalls.map((call) => ({
          id: call.id,
          type: "function",
          function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments ?? {}) },
        })),
      };
    }
    case "tool":
      if (message.toolCallId === undefined) return { role: "user", content: toUserContent(message.content) };
      return { role: "tool", tool_call_id: message.toolCallId, content: messageText(message.content) };
  }
}

function toUserContent(content: string | ContentPart[]): string | ChatCompletionContentPart[] {
  if (typeof content === "string") return content;
  if (content.every((part) => part.type === "text")) return messageText(content);
  return content.map((part): ChatCompletionContentPart => {
    if (part.type === "text") return { type: "text", text: part.text };
    return { type: "image_url", image_url: { url: imageUrl(part.image, part.mediaType) } };
  });
}

/**
 * An image as a URL the server can read: `https:` and `data:` URLs as they are, raw bytes as a
 * base64 `data:` URL. Without a `mediaType`, PNG, JPEG, GIF and WebP bytes are recognised.
 */
export function imageUrl(image: string | Uint8Array, mediaType: string | undefined): string {
  if (typeof image === "string") return image;
  const type = mediaType ?? sniffImageType(image);
  if (type === undefined) {
    throw new AgentConfigurationError(
      "An image given as bytes has no mediaType and is not PNG, JPEG, GIF or WebP. Set `mediaType` on the image part, e.g. 'image/png'.",
    );
  }
  return `data:${type};base64,${Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString("base64")}`;
}

function sniffImageType(bytes: Uint8Array): string | undefined {
  const starts = (...signature: number[]) => signature.every((byte, index) => bytes[index] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x47, 0x49, 0x46, 0x38)) return "image/gif";
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return "image/webp";
  return undefined;
}

/** Tools offered for native tool calling, as `function` tools. */
export function toOpenAITools(tools: readonly ModelToolSpec[]): ChatCompletionTool[] {
  return tools.map((spec) => ({
    type: "function",
    function: {
      name: spec.name,
      description: spec.description,
      parameters: typeof spec.parameters === "object" ? spec.parameters : { type: "object", properties: {} },
    },
  }));
}

/** The `response_format` field for a {@link ResponseFormat}. */
export function toOpenAIResponseFormat(format: ResponseFormat): NonNullable<ChatCompletionCreateParamsBase["response_format"]> {
  switch (format.type) {
    case "text":
      return { type: "text" };
    case "json_object":
      return { type: "json_object" };
    case "json_schema":
      return {
        type: "json_schema",
        json_schema: { name: format.name, schema: typeof format.schema === "object" ? format.schema : {} },
      };
  }
}

/** Function tool calls of a reply, with their arguments parsed (see {@link parseToolArguments}). */
export function fromOpenAIToolCalls(calls: readonly ChatCompletionMessageToolCall[] | null | undefined): ModelToolCall[] | undefined {
  const toolCalls = (calls ?? []).flatMap((call) =>
    call.type === "function" ? [{ id: call.id, name: call.function.name, arguments: parseToolArguments(call.function.arguments) }] : [],
  );
  return toolCalls.length > 0 ? toolCalls : undefined;
}

/**
 * Tool-call arguments as the model wrote them: parsed JSON when they parse, `{}` when empty (some
 * servers send `""` for a call without arguments), else the raw text.
 */
export function parseToolArguments(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
