/**
 * Reads the events of a streamed Messages API reply: text deltas become text, `tool_use` blocks
 * become tool-call deltas (the JSON-format tool's input becomes text when complete), thinking deltas are kept
 * aside (never text) with their signatures, and the usage of `message_start` and `message_delta`
 * is merged.
 */
import type { ChatMessageStreamDelta } from "../model.js";
import type { FormatTool } from "./anthropic-request.js";
import { parseToolArguments } from "../openai/openai-messages.js";
import { formatAnswer, isReasoning, isToolUse, mergeUsage } from "./anthropic-reply.js";
import type { ReasoningBlock, StreamEvent, WireUsage } from "./anthropic-wire.js";

type ToolCallDelta = NonNullable<ChatMessageStreamDelta["toolCalls"]>[number];

/** What one event adds to the reply. */
export interface StreamStep {
  text?: string;
  toolCall?: ToolCallDelta;
}

type OpenBlock = { kind: "text" } | { kind: "tool"; index: number } | { kind: "format"; json: string } | { kind: "reasoning"; block: ReasoningBlock } | { kind: "other" };

/** Whether a streamed item has the shape of a Messages API event. */
export function isStreamEvent(value: unknown): value is StreamEvent {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/** Follows one stream, event by event. */
export class StreamReader {
  /** Every character the model wrote (text and tool input), for estimating the usage. */
  written = "";
  /** Whether `message_start` arrived: a stream without it is not a Messages API stream. */
  started = false;
  /** Whether `message_delta` brought the final output count. */
  counted = false;
  /** The usage counts so far, the later events' replacing the earlier. */
  usage: WireUsage | undefined;
  /** The ids of the tool calls, in order (the format tool's left out). */
  readonly toolCallIds: string[] = [];
  /** The thinking blocks, complete with their signatures once the stream ended. */
  readonly reasoning: ReasoningBlock[] = [];
  private readonly blocks = new Map<number, OpenBlock>();

  constructor(private readonly formatTool: FormatTool | undefined) {}

  /** Takes the next event; returns what it adds to the reply. */
  take(event: StreamEvent): StreamStep {
    switch (event.type) {
      case "message_start":
        this.started = true;
        this.usage = mergeUsage(this.usage, (event as Extract<StreamEvent, { type: "message_start" }>).message?.usage);
        return {};
      case "message_delta": {
        const usage = (event as Extract<StreamEvent, { type: "message_delta" }>).usage;
        if (typeof usage?.output_tokens === "number") this.counted = true;
        this.usage = mergeUsage(this.usage, usage);
        return {};
      }
      case "content_block_start":
        return this.start(event as Extract<StreamEvent, { type: "content_block_start" }>);
      case "content_block_delta":
        return this.delta(event as Extract<StreamEvent, { type: "content_block_delta" }>);
      case "content_block_stop":
        return this.stop(event as Extract<StreamEvent, { type: "content_block_stop" }>);
      default:
        return {};
    }
  }

  private start(event: Extract<StreamEvent, { type: "content_block_start" }>): StreamStep {
    const block = event.content_block;
    if (block.type === "text") {
      this.blocks.set(event.index, { kind: "text" });
      // A text block may start with text already in it.
      return this.text((block as { text?: string }).text ?? "");
    }
    if (isToolUse(block)) {
      if (block.name === this.formatTool?.name) {
        this.blocks.set(event.index, { kind: "format", json: "" });
        return {};
      }
      const index = this.toolCallIds.length;
      this.toolCallIds.push(block.id);
      this.blocks.set(event.index, { kind: "tool", index });
      this.written += block.name;
      return { toolCall: { index, id: block.id, name: block.name } };
    }
    if (isReasoning(block)) {
      const copy: ReasoningBlock = block.type === "thinking" ? { type: "thinking", thinking: block.thinking ?? "", signature: block.signature ?? "" } : { ...block };
      this.reasoning.push(copy);
      this.blocks.set(event.index, { kind: "reasoning", block: copy });
      return {};
    }
    this.blocks.set(event.index, { kind: "other" });
    return {};
  }

  private delta(event: Extract<StreamEvent, { type: "content_block_delta" }>): StreamStep {
    const open = this.blocks.get(event.index);
    const delta = event.delta as { type: string; text?: string; partial_json?: string; thinking?: string; signature?: string };
    if (open?.kind === "text" && delta.type === "text_delta") return this.text(delta.text ?? "");
    if (open?.kind === "format" && delta.type === "input_json_delta") open.json += delta.partial_json ?? "";
    if (open?.kind === "tool" && delta.type === "input_json_delta") {
      const json = delta.partial_json ?? "";
      this.written += json;
      return json === "" ? {} : { toolCall: { index: open.index, argumentsDelta: json } };
    }
    if (open?.kind === "reasoning" && open.block.type === "thinking") {
      if (delta.type === "thinking_delta") open.block.thinking += delta.thinking ?? "";
      if (delta.type === "signature_delta") open.block.signature += delta.signature ?? "";
    }
    return {};
  }

  /**
   * The format tool's input is given as text when its block ends, written as `generate` writes it
   * (whitespace normalised, a wrapped value unwrapped), so both give the same text.
   */
  private stop(event: Extract<StreamEvent, { type: "content_block_stop" }>): StreamStep {
    const open = this.blocks.get(event.index);
    if (open?.kind !== "format" || this.formatTool === undefined) return {};
    return this.text(formatAnswer(parseToolArguments(open.json), this.formatTool));
  }

  private text(text: string): StreamStep {
    this.written += text;
    return text === "" ? {} : { text };
  }
}
