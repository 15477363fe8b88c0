import { ScriptExhaustedError } from "../errors.js";
import {
  applyStopSequences,
  estimateTokenUsage,
  messageText,
  type ChatMessage,
  type ChatMessageStreamDelta,
  type GenerateOptions,
  type Model,
  type TokenUsage,
} from "./model.js";

/** Options of {@link ScriptedModel}. */
export interface ScriptedModelOptions {
  modelId?: string;
  /**
   * Token counts reported per reply. By default they are estimated (4 characters a token) from
   * the messages sent and the reply, so budgets and figures behave as with a real model.
   */
  tokenUsage?: (messages: ChatMessage[], reply: string) => TokenUsage;
  /** Characters per streamed delta. Default 16. */
  streamChunkSize?: number;
  /** Pause between streamed deltas, to replay a run at a watchable pace. Default 0. */
  streamDelayMs?: number;
}

export { estimateTokens } from "./model.js";

/**
 * Replays fixed assistant replies, in order, whatever it is sent: for tests, demos and replaying
 * recorded runs. It applies stop sequences like a real server and records every call it got.
 * When it runs out of replies it throws {@link ScriptExhaustedError}.
 */
export class ScriptedModel implements Model {
  readonly modelId: string;
  /** Every call received, in order: the messages and options as sent. */
  readonly calls: { messages: ChatMessage[]; options: GenerateOptions | undefined }[] = [];
  private readonly replies: ChatMessage[];
  private readonly tokenUsage: (messages: ChatMessage[], reply: string) => TokenUsage;
  private readonly streamChunkSize: number;
  private readonly streamDelayMs: number;
  private next = 0;

  constructor(replies: readonly (string | ChatMessage)[], options: ScriptedModelOptions = {}) {
    this.replies = replies.map((reply) => (typeof reply === "string" ? { role: "assistant", content: reply } : reply));
    this.modelId = options.modelId ?? "scripted";
    this.tokenUsage = options.tokenUsage ?? estimateUsage;
    this.streamChunkSize = options.streamChunkSize ?? 16;
    this.streamDelayMs = options.streamDelayMs ?? 0;
  }

  /** How many replies are left. */
  get remaining(): number {
    return this.replies.length - this.next;
  }

  async generate(messages: ChatMessage[], options?: GenerateOptions): Promise<ChatMessage> {
    options?.signal?.throwIfAborted();
    // A shallow copy: the loop builds fresh messages for every call and never changes sent ones.
    this.calls.push({ messages: [...messages], options });
    const scripted = this.replies[this.next];
    if (scripted === undefined) {
      throw new ScriptExhaustedError(
        `ScriptedModel has no reply left: it was given ${this.replies.length} and was asked for reply ${this.next + 1}. ` +
          "Add replies to the script, or lower the agent's maxSteps.",
      );
    }
    this.next++;
    const text = applyStopSequences(messageText(scripted.content), options?.stopSequences);
    return {
      ...scripted,
      content: typeof scripted.content === "string" ? text : scripted.content,
      tokenUsage: scripted.tokenUsage ?? this.tokenUsage(messages, text),
    };
  }

  async *generateStream(messages: ChatMessage[], options?: GenerateOptions): AsyncIterable<ChatMessageStreamDelta> {
    const reply = await this.generate(messages, options);
    const text = messageText(reply.content);
    for (let start = 0; start < text.length; start += this.streamChunkSize) {
      if (this.streamDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.streamDelayMs));
      options?.signal?.throwIfAborted();
      yield { content: text.slice(start, start + this.streamChunkSize) };
    }
    if (reply.toolCalls) {
      yield {
        toolCalls: reply.toolCalls.map((call, index) => ({
          index,
          id: call.id,
          name: call.name,
          argumentsDelta: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments),
        })),
      };
    }
    if (reply.tokenUsage) yield { tokenUsage: reply.tokenUsage };
  }
}

/** The scripted model stands in for a server that counts, so its estimate is not marked as one. */
function estimateUsage(messages: ChatMessage[], reply: string): TokenUsage {
  const { inputTokens, outputTokens } = estimateTokenUsage(messages, reply);
  return { inputTokens, outputTokens };
}
