/**
 * codeagent's messages, tools and response formats in the AI SDK specification's prompt format,
 * which every provider package translates to its own API.
 */
import { AgentConfigurationError } from "../../errors.js";
import { messageText, type ChatMessage, type ContentPart, type ModelToolSpec, type ResponseFormat } from "../model.js";
import { imageUrl } from "../openai/openai-messages.js";
import { parseToolArguments } from "./ai-sdk-reply.js";
import type { SpecCallOptions, SpecFilePart, SpecFunctionTool, SpecMessage, SpecTextPart } from "./language-model-spec.js";

/**
 * Converts messages to the specification's prompt. A tool result names its tool, which the
 * specification requires (Google's API sends it back to the model): the name is taken from the
 * assistant message that made the call. A `tool` message that answers no call seen before is
 * sent as a `user` message with the same content.
 */
export function toSpecPrompt(messages: readonly ChatMessage[]): SpecMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((message): SpecMessage => {
    switch (message.role) {
      case "system":
        return { role: "system", content: messageText(message.content) };
      case "user":
        return { role: "user", content: toUserParts(message.content) };
      case "assistant": {
        const text = messageText(message.content);
        const content: Extract<SpecMessage, { role: "assistant" }>["content"] = text === "" && message.toolCalls?.length ? [] : [{ type: "text", text }];
        for (const call of message.toolCalls ?? []) {
          toolNames.set(call.id, call.name);
          content.push({ type: "tool-call", toolCallId: call.id, toolName: call.name, input: parseToolArguments(call.arguments ?? {}) });
        }
        return { role: "assistant", content };
      }
      case "tool": {
        const toolName = message.toolCallId === undefined ? undefined : toolNames.get(message.toolCallId);
        if (message.toolCallId === undefined || toolName === undefined) return { role: "user", content: toUserParts(message.content) };
        return {
          role: "tool",
          content: [{ type: "tool-result", toolCallId: message.toolCallId, toolName, output: { type: "text", value: messageText(message.content) } }],
        };
      }
    }
  });
}

function toUserParts(content: string | ContentPart[]): (SpecTextPart | SpecFilePart)[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return content.map((part) => (part.type === "text" ? { type: "text", text: part.text } : toImagePart(part.image, part.mediaType)));
}

/**
 * An image as a file part: a `data:` URL or bytes as base64 with its media type (bytes without one
 * are recognised as PNG, JPEG, GIF or WebP), any other URL as a URL, which the provider fetches or
 * passes on. Without a known media type, a URL is `image/*`, which the specification allows.
 * @throws {AgentConfigurationError} for a string that is no URL, such as a file name.
 */
export function toImagePart(image: string | Uint8Array, mediaType: string | undefined): SpecFilePart {
  const url = typeof image === "string" && !image.startsWith("data:") ? image : imageUrl(image, mediaType);
  const dataUrl = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (dataUrl === null) return { type: "file", data: parsedImageUrl(url), mediaType: mediaType ?? "image/*" };
  const [, type, parameters, payload] = dataUrl as unknown as [string, string, string, string];
  const base64 = parameters.split(";").includes("base64") ? payload : Buffer.from(decodeURIComponent(payload), "utf8").toString("base64");
  return { type: "file", data: base64, mediaType: mediaType ?? (type || "image/*") };
}

/** An image's URL, parsed; a file name or path is refused with what to pass instead. */
function parsedImageUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    // A string without a scheme: refused below.
  }
  const shown = url.length > 60 ? `${url.slice(0, 60)}…` : url;
  throw new AgentConfigurationError(
    `An image must be an https: or data: URL, or its bytes (with a mediaType), not "${shown}". To send a local file, read it, e.g. { type: "image", image: await readFile("${shown}") }.`,
  );
}

/** Tools offered for native tool calling, as function tools with their JSON schema. */
export function toSpecTools(tools: readonly ModelToolSpec[]): SpecFunctionTool[] {
  return tools.map((spec) => ({
    type: "function",
    name: spec.name,
    description: spec.description,
    inputSchema: typeof spec.parameters === "object" ? spec.parameters : { type: "object", properties: {} },
  }));
}

/** The specification's response format: JSON, with a schema when one is given. */
export function toSpecResponseFormat(format: ResponseFormat): NonNullable<SpecCallOptions["responseFormat"]> {
  switch (format.type) {
    case "text":
      return { type: "text" };
    case "json_object":
      return { type: "json" };
    case "json_schema":
      return { type: "json", name: format.name, ...(typeof format.schema === "object" ? { schema: format.schema } : {}) };
  }
}
