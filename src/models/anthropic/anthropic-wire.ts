/**
 * The few shapes of Anthropic's Messages API that {@link AnthropicModel} sends and reads, written
 * out here so that codeagent's types never mention the optional `@anthropic-ai/sdk` package (its
 * typings may not be installed where codeagent is).
 */

/** Marks the end of a prefix the API may cache. */
export interface CacheControl {
  type: "ephemeral";
}

/** Text, in a request or a reply. */
export interface TextBlock {
  type: "text";
  text: string;
  cache_control?: CacheControl;
}

/** An image, as base64 data or a URL the API fetches. */
export interface ImageBlock {
  type: "image";
  source: { type: "base64"; media_type: string; data: string } | { type: "url"; url: string };
  cache_control?: CacheControl;
}

/** A tool call of the model; `input` is a JSON object following the tool's `input_schema`. */
export interface ToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: unknown;
}

/** A tool's result, in the user turn after the call. */
export interface ToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content: string | (TextBlock | ImageBlock)[];
  cache_control?: CacheControl;
}

/** The model's reasoning; the signature lets the API check it was not altered when it is sent back. */
export interface ThinkingBlock {
  type: "thinking";
  thinking: string;
  signature: string;
}

/** Reasoning the API encrypted; sent back unchanged. */
export interface RedactedThinkingBlock {
  type: "redacted_thinking";
  data: string;
}

/** A reasoning block of either kind. */
export type ReasoningBlock = ThinkingBlock | RedactedThinkingBlock;

/** A block of a message sent to the API. */
export type RequestBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock | ReasoningBlock;

/** One turn of the conversation; turns alternate between user and assistant. */
export interface RequestMessage {
  role: "user" | "assistant";
  content: RequestBlock[];
}

/** A tool offered to the model. */
export interface ToolDefinition {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
  cache_control?: CacheControl;
}

/** Whether the model may (`auto`), must (`any`, `tool`) or must not (`none`) call a tool. */
export type ToolChoice = { type: "auto" } | { type: "any" } | { type: "none" } | { type: "tool"; name: string };

/** The body of `POST /v1/messages`. */
export interface MessagesRequest {
  model: string;
  max_tokens: number;
  messages: RequestMessage[];
  system?: TextBlock[];
  stop_sequences?: string[];
  temperature?: number;
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  thinking?: { type: "enabled"; budget_tokens: number };
  [extra: string]: unknown;
}

/** Token counts as the API reports them; `input_tokens` leaves out the cached ones. */
export interface WireUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/** A block of a reply; kinds this adapter does not use (server tools, citations) are ignored. */
export type ReplyBlock = TextBlock | ToolUseBlock | ReasoningBlock | { type: string };

/** A non-streamed reply. */
export interface MessagesReply {
  type: "message";
  role: "assistant";
  content: ReplyBlock[];
  stop_reason: string | null;
  stop_sequence?: string | null;
  usage?: WireUsage;
}

/** One event of a streamed reply. */
export type StreamEvent =
  | { type: "message_start"; message: { usage?: WireUsage } }
  | { type: "content_block_start"; index: number; content_block: ReplyBlock }
  | {
      type: "content_block_delta";
      index: number;
      delta:
        | { type: "text_delta"; text: string }
        | { type: "input_json_delta"; partial_json: string }
        | { type: "thinking_delta"; thinking: string }
        | { type: "signature_delta"; signature: string }
        | { type: string };
    }
  | { type: "content_block_stop"; index: number }
  | { type: "message_delta"; delta: { stop_reason?: string | null; stop_sequence?: string | null }; usage?: WireUsage }
  | { type: "message_stop" };
