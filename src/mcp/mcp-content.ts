/**
 * What an MCP tool's result becomes in the model's code: structured content stays structured
 * (an object the code can index), text is text, images are codeagent images (shown to the model
 * with the next observation), and a result flagged `isError` is thrown as the tool's error.
 */
import { image } from "../tools/image.js";

/** The parts of an MCP `CallToolResult` read here (the SDK's type is wider). */
export interface McpToolResult {
  content?: readonly McpContent[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** One item of an MCP result's `content`. */
export type McpContent = { type: string; [key: string]: unknown };

/** A tool's result flagged `isError` by the server; its message is the server's text. */
export class McpToolResultError extends Error {
  override readonly name = "McpToolResultError";
}

/**
 * The value the calling code receives: `structuredContent` when the server sent it; else the
 * content, as one value when there is one item, one string when all items are text, and a list
 * otherwise (`null` for no content). Throws {@link McpToolResultError} for an error result.
 */
export function resultValue(result: McpToolResult): unknown {
  const content = result.content ?? [];
  if (result.isError === true) {
    const text = content.map(contentText).filter((part) => part !== "").join("\n");
    throw new McpToolResultError(text === "" ? "The tool reported an error without a message." : text);
  }
  if (result.structuredContent !== undefined) return result.structuredContent;
  const values = content.map(contentValue);
  if (values.length === 0) return null;
  if (values.length === 1) return values[0];
  if (values.every((value) => typeof value === "string")) return values.join("\n");
  return values;
}

function contentValue(item: McpContent): unknown {
  switch (item.type) {
    case "text":
      return String(item["text"] ?? "");
    case "image":
      return image(Buffer.from(String(item["data"] ?? ""), "base64"), String(item["mimeType"] ?? "image/png"));
    case "audio":
      return { type: "audio", mediaType: item["mimeType"], data: item["data"] };
    case "resource": {
      const resource = (item["resource"] ?? {}) as Record<string, unknown>;
      if (typeof resource["text"] === "string") return resource["text"];
      return { type: "resource", uri: resource["uri"], mediaType: resource["mimeType"], data: resource["blob"] };
    }
    case "resource_link":
      return withoutUndefined({
        type: "resource_link",
        uri: item["uri"],
        name: item["name"],
        description: item["description"],
        mediaType: item["mimeType"],
      });
    default:
      return item;
  }
}

function contentText(item: McpContent): string {
  if (item.type === "text") return String(item["text"] ?? "");
  if (item.type === "resource") {
    const resource = (item["resource"] ?? {}) as Record<string, unknown>;
    return typeof resource["text"] === "string" ? resource["text"] : "";
  }
  return "";
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
