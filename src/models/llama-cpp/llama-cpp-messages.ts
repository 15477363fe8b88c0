/**
 * codeagent's chat messages as node-llama-cpp's chat history. The model's own chat template (read
 * from the GGUF file) renders that history, so nothing here knows any prompt format.
 */
import type { ChatHistoryItem } from "node-llama-cpp";

import { messageText, type ChatMessage, type ContentPart } from "../model.js";

/** What an image becomes: these models read text only. */
const IMAGE_PLACEHOLDER = "[an image was here; this model reads text only]";

/**
 * The history for one call: system, user and model turns in order, ending with the empty model
 * turn the reply is written into. Tool results and tool calls (which only appear when an agent
 * drives tools through text) become plain text of their turns.
 */
export function toLlamaChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  for (const message of messages) {
    const text = contentText(message.content);
    switch (message.role) {
      case "system":
        history.push({ type: "system", text });
        break;
      case "user":
        history.push({ type: "user", text });
        break;
      case "tool":
        history.push({ type: "user", text: message.toolCallId ? `Result of tool call ${message.toolCallId}:\n${text}` : text });
        break;
      case "assistant": {
        const calls = message.toolCalls?.length ? `\nCalling tools:\n${JSON.stringify(message.toolCalls.map(({ name, arguments: args }) => ({ name, arguments: args })))}` : "";
        history.push({ type: "model", response: [text + calls] });
        break;
      }
    }
  }
  history.push({ type: "model", response: [] });
  return history;
}

function contentText(content: string | ContentPart[]): string {
  if (typeof content === "string") return content;
  if (content.every((part) => part.type === "text")) return messageText(content);
  return content.map((part) => (part.type === "text" ? part.text : IMAGE_PLACEHOLDER)).join("");
}
