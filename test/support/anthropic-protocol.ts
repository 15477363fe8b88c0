/**
 * Anthropic's Messages API as a {@link WireProtocol} for the scripted test server: `POST
 * /v1/messages`, JSON replies with content blocks and usage, SSE streams of named events
 * (`message_start`, `content_block_start`, `content_block_delta`, `content_block_stop`,
 * `message_delta`, `message_stop`), error bodies `{ type: "error", error: { type, message } }`,
 * all shaped like the real API's.
 *
 * A scripted `usage` may carry `cacheReadTokens` and `cacheWriteTokens` besides `inputTokens`
 * (which counts them, as codeagent does): they are reported as the API does, with `input_tokens`
 * leaving them out. What a `ReplyBehaviour` cannot say (thinking blocks, `stop_reason:
 * "stop_sequence"`) is sent with a raw behaviour built by {@link anthropicReplyBody} or
 * {@link anthropicSse}.
 */
import { startScriptedHttpServer, type ModelTestServer, type ResolvedReply, type WireProtocol } from "./openai-compatible-server.js";

interface MessagesRequestBody {
  model?: string;
  system?: unknown;
  messages?: { role: string; content?: unknown }[];
  stream?: boolean;
  stop_sequences?: string[];
}

/** Scripted usage, with the cache counts an Anthropic test may add. */
export interface AnthropicScriptedUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

type Block = Record<string, unknown> & { type: string };

const asRequest = (body: unknown): MessagesRequestBody => (typeof body === "object" && body !== null ? (body as MessagesRequestBody) : {});

let sequence = 0;
function messageId(): string {
  sequence++;
  return `msg_test${String(sequence).padStart(6, "0")}`;
}

function split(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces;
}

/** The API's usage object for scripted counts. */
export function anthropicUsage(usage: AnthropicScriptedUsage) {
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  return {
    input_tokens: usage.inputTokens - cacheRead - cacheWrite,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    output_tokens: usage.outputTokens,
    service_tier: "standard",
  };
}

/** A complete non-streamed reply with the given content blocks, as the API sends it. */
export function anthropicReplyBody(
  content: Block[],
  options: { stopReason?: string; stopSequence?: string | null; usage?: AnthropicScriptedUsage; model?: string } = {},
): object {
  return {
    id: messageId(),
    type: "message",
    role: "assistant",
    model: options.model ?? "claude-test",
    content,
    stop_reason: options.stopReason ?? (content.some((block) => block.type === "tool_use") ? "tool_use" : "end_turn"),
    stop_sequence: options.stopSequence ?? null,
    usage: anthropicUsage(options.usage ?? { inputTokens: 10, outputTokens: 5 }),
  };
}

/** Named SSE events as the API frames them: `event: <type>` and `data: <json>`. */
export function anthropicSse(events: Block[]): string[] {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

/**
 * The events of a streamed reply made of `blocks`: each block's start, its deltas (text, tool
 * input JSON, thinking and its signature) in pieces of `chunkSize`, its stop; then the stop reason
 * and the output count.
 */
export function anthropicStreamEvents(
  blocks: Block[],
  options: { chunkSize?: number; usage?: AnthropicScriptedUsage; stopReason?: string; model?: string } = {},
): Block[] {
  const size = options.chunkSize ?? 4;
  const usage = anthropicUsage(options.usage ?? { inputTokens: 10, outputTokens: 5 });
  const events: Block[] = [
    {
      type: "message_start",
      message: { id: messageId(), type: "message", role: "assistant", model: options.model ?? "claude-test", content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
    },
  ];
  blocks.forEach((block, index) => {
    const delta = (payload: object) => events.push({ type: "content_block_delta", index, delta: payload });
    if (block.type === "text") {
      events.push({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
      for (const piece of split(String(block.text), size)) delta({ type: "text_delta", text: piece });
    } else if (block.type === "tool_use") {
      events.push({ type: "content_block_start", index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } });
      for (const piece of split(JSON.stringify(block.input), size)) delta({ type: "input_json_delta", partial_json: piece });
    } else if (block.type === "thinking") {
      events.push({ type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } });
      for (const piece of split(String(block.thinking), size)) delta({ type: "thinking_delta", thinking: piece });
      delta({ type: "signature_delta", signature: block.signature });
    } else {
      events.push({ type: "content_block_start", index, content_block: block });
    }
    events.push({ type: "content_block_stop", index });
  });
  const stopReason = options.stopReason ?? (blocks.some((block) => block.type === "tool_use") ? "tool_use" : "end_turn");
  events.push({ type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  events.push({ type: "message_stop" });
  return events;
}

function replyBlocks(reply: ResolvedReply): Block[] {
  const blocks: Block[] = [];
  if (reply.text !== "" || reply.toolCalls.length === 0) blocks.push({ type: "text", text: reply.text });
  for (const call of reply.toolCalls) blocks.push({ type: "tool_use", id: call.id, name: call.name, input: JSON.parse(call.arguments) as unknown });
  return blocks;
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  529: "overloaded_error",
};

function imageUrlOf(block: { type?: string; source?: { type?: string; url?: string; media_type?: string; data?: string } }): string | undefined {
  if (block.type !== "image" || block.source === undefined) return undefined;
  if (block.source.type === "url") return block.source.url;
  if (block.source.type === "base64") return `data:${block.source.media_type};base64,${block.source.data}`;
  return undefined;
}

/** Anthropic's Messages API, shaped like its real responses. */
export const anthropicMessagesProtocol: WireProtocol = {
  isModelCall: (method, path) => method === "POST" && path.endsWith("/v1/messages"),
  isStreaming: (body) => asRequest(body).stream === true,
  stopSequences: (body) => asRequest(body).stop_sequences ?? [],
  promptText: (body) => JSON.stringify({ system: asRequest(body).system ?? [], messages: asRequest(body).messages ?? [] }),
  replyBody: (body, reply) => anthropicReplyBody(replyBlocks(reply), { usage: reply.usage, model: asRequest(body).model ?? "unknown" }),
  replyEvents: (body, reply) =>
    anthropicSse(anthropicStreamEvents(replyBlocks(reply), { chunkSize: reply.chunkSize, usage: reply.usage, model: asRequest(body).model ?? "unknown" })),
  errorBody: (status, message) => ({ type: "error", error: { type: ERROR_TYPES[status] ?? "api_error", message }, request_id: "req_test" }),
  imagesSent(body) {
    const urls: string[] = [];
    for (const message of asRequest(body).messages ?? []) {
      if (!Array.isArray(message.content)) continue;
      for (const block of message.content as { type?: string; content?: unknown }[]) {
        const nested = block.type === "tool_result" && Array.isArray(block.content) ? (block.content as object[]) : [block];
        for (const part of nested) {
          const url = imageUrlOf(part);
          if (url !== undefined) urls.push(url);
        }
      }
    }
    return urls;
  },
};

/** Starts a server speaking the Messages API; give the model `server.baseURL` (the origin, as the SDK adds `/v1/messages`). */
export function startAnthropicServer(): Promise<ModelTestServer> {
  return startScriptedHttpServer(anthropicMessagesProtocol, "");
}
