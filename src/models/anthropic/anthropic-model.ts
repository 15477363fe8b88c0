/**
 * `AnthropicModel`: the {@link Model} seam over Anthropic's Messages API, called through the
 * official `@anthropic-ai/sdk` (an optional peer dependency, loaded on the first call).
 */
import { AgentConfigurationError } from "../../errors.js";
import type { Pacer } from "../../pacer.js";
import { requestPacer, type ApiModelOptions } from "../api-model-options.js";
import { abortable, callSignal } from "../call-signal.js";
import { estimateTokenUsage, estimateTokens, type ChatMessage, type ChatMessageStreamDelta, type GenerateOptions, type Model, type TokenUsage } from "../model.js";
import { idleLimited, stalledStreamError } from "../idle-stream.js";
import { StopSequenceFilter } from "../stop-sequence-filter.js";
import { createClient, resolveEndpoint, type AnthropicEndpoint } from "./anthropic-client.js";
import { apiErrorMessage, notMessagesReplyError, toModelCallError, type AnthropicCallContext } from "./anthropic-errors.js";
import { toAnthropicConversation } from "./anthropic-messages.js";
import { isMessagesReply, readReply, toTokenUsage } from "./anthropic-reply.js";
import { buildRequest, type BuiltRequest } from "./anthropic-request.js";
import { loadAnthropicSdk, type AnthropicClient, type AnthropicSdk } from "./anthropic-sdk.js";
import { isStreamEvent, StreamReader } from "./anthropic-stream.js";
import type { MessagesRequest } from "./anthropic-wire.js";
import { ReasoningMemory } from "./reasoning-memory.js";
import { knownContextWindow } from "../context-windows.js";

/** Extended thinking: the model reasons before it answers, in blocks that never reach the reply's text. */
export interface AnthropicThinkingOptions {
  /** Tokens the model may spend reasoning, at least 1024; they count toward `max_tokens`. */
  budgetTokens: number;
}

/** Options of {@link AnthropicModel}, given to its constructor. */
export interface AnthropicModelOptions extends ApiModelOptions {
  /** The model to call, e.g. `claude-sonnet-4-5` or `claude-3-5-haiku-latest`. */
  modelId: string;
  /**
   * The API's origin, without `/v1`, e.g. a proxy's `http://localhost:4000`. Default:
   * `ANTHROPIC_BASE_URL`, else `https://api.anthropic.com`.
   */
  baseURL?: string;
  /**
   * Default: the `ANTHROPIC_API_KEY` environment variable, else the bearer token in
   * `ANTHROPIC_AUTH_TOKEN`. A server given by `baseURL` may need none: a placeholder is sent then.
   */
  apiKey?: string;
  /** Extra HTTP headers sent with every request, e.g. `{ "anthropic-beta": "..." }`. */
  headers?: Record<string, string>;
  /** The `fetch` to send requests with. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /**
   * How long one attempt may wait for the API to start answering, in milliseconds; a timed-out
   * attempt is retried. In a stream, also the longest silence between two events: a stream
   * silent for longer ends in a retryable error. Default: 600 000 (10 minutes, the SDK's default).
   */
  timeoutMs?: number;
  /**
   * Retries, by the SDK, after a 408, 409, 429 or 5xx answer (529 "overloaded" included), a
   * timeout or a failed connection, with exponential backoff; `Retry-After` is honoured. Default 2.
   */
  maxRetries?: number;
  /**
   * `max_tokens` when a call sets no `maxTokens` (the API requires one): default 4096 for the
   * Claude 3 models, whose replies cannot be longer, else 8192. With `thinking`, the thinking
   * budget is added to this default.
   */
  maxTokens?: number;
  /**
   * Turns extended thinking on. The thinking never reaches the reply's text. The API requires
   * it back with the tool calls it led to, so the model remembers it by tool-call id and sends it
   * with them; a conversation whose last tool calls it does not know (written elsewhere) is sent
   * without thinking rather than rejected. With thinking, `temperature` is not sent (the API
   * accepts no other value than 1) and a JSON response format cannot force its tool.
   */
  thinking?: AnthropicThinkingOptions;
  /**
   * Marks the stable prefix of every request (the system prompt and the tool definitions) for
   * Anthropic's prompt cache, so later calls read it at a tenth of the price; writing it costs a
   * quarter more, once. Prefixes under the model's minimum (1024 tokens for most) are not cached.
   * Default true.
   */
  promptCaching?: boolean;
  /** Options used when a call does not give them, e.g. `{ temperature: 0 }`. */
  defaultOptions?: Pick<GenerateOptions, "temperature" | "stopSequences" | "responseFormat" | "toolChoice">;
  /** Extra body fields for parameters this adapter does not know, e.g. `{ top_k: 20 }` or `{ metadata: { user_id: "..." } }`. */
  extraBody?: Record<string, unknown>;
}

const DEFAULT_TIMEOUT_MS = 600_000;
const DEFAULT_MAX_RETRIES = 2;
const MIN_THINKING_BUDGET = 1024;

/** What the server's error message says when it rejects stop sequences. */
const STOP_REJECTED = /\bstop(_sequences)?\b/i;

/**
 * A Claude model behind Anthropic's Messages API: `new AnthropicModel({ modelId: "claude-sonnet-4-5" })`.
 * System messages become the `system` prompt, tool results `tool_result` blocks, images `image`
 * blocks (of image media types only). A conversation with no message left to send (all blank) is
 * refused with an {@link AgentConfigurationError}, as the API would refuse it. Failures throw
 * {@link ModelCallError} (after the SDK's retries, when retrying can help); an aborted call
 * rejects with the signal's reason.
 */
export class AnthropicModel implements Model {
  readonly modelId: string;
  /** The origin requests go to. */
  readonly baseURL: string;
  readonly contextWindow: number | undefined;
  private readonly endpoint: AnthropicEndpoint;
  private readonly options: AnthropicModelOptions;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly pacer: Pacer | undefined;
  private readonly reasoning = new ReasoningMemory();
  private loaded: Promise<{ sdk: AnthropicSdk; client: AnthropicClient }> | undefined;
  /** Set once the server rejected `stop_sequences`: later requests leave them out, and the reply is cut here. */
  private stopRejected = false;

  /**
   * @throws {AgentConfigurationError} when there is no API key (`apiKey`, ANTHROPIC_API_KEY) and
   * no `baseURL`, or the thinking budget is under 1024 tokens.
   */
  constructor(options: AnthropicModelOptions) {
    this.options = options;
    this.modelId = options.modelId;
    this.endpoint = resolveEndpoint(options);
    this.baseURL = this.endpoint.baseURL;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.pacer = requestPacer(options.requestsPerMinute);
    this.contextWindow = options.contextWindow ?? knownContextWindow(options.modelId);
    const budget = options.thinking?.budgetTokens;
    if (budget !== undefined && !(Number.isInteger(budget) && budget >= MIN_THINKING_BUDGET)) {
      throw new AgentConfigurationError(`thinking.budgetTokens must be a whole number of at least ${MIN_THINKING_BUDGET}, not ${budget}.`);
    }
  }

  /** One reply, with its tool calls and token usage (estimated, and marked so, when the server sends none). */
  async generate(messages: ChatMessage[], options: GenerateOptions = {}): Promise<ChatMessage> {
    options.signal?.throwIfAborted();
    const callOptions = this.withDefaults(options);
    const request = this.buildRequest(messages, callOptions);
    const call = callSignal(options.signal);
    try {
      const { sdk, client } = await this.load();
      const context = this.callContext(sdk, options.signal);
      const { data, response } = await this.send(request.body, context, (body) =>
        abortable(client.messages.create({ ...body, stream: false }, { signal: call.signal }).withResponse(), call.signal),
      );
      if (!isMessagesReply(data)) throw notMessagesReplyError(this.baseURL, response.headers.get("content-type"), false);
      const { message, reasoning } = readReply(data, request.formatTool, callOptions.stopSequences);
      this.reasoning.remember(message.toolCalls?.map((toolCall) => toolCall.id) ?? [], reasoning);
      message.tokenUsage ??= estimateTokenUsage(messages, typeof message.content === "string" ? message.content : "");
      return message;
    } finally {
      call.release();
    }
  }

  /**
   * The reply as it is written: text deltas, tool-call deltas, and the token usage last. Thinking
   * is never yielded. Stop sequences are applied across delta boundaries; once one appears, the
   * HTTP stream is closed and the output count, which the server would only send at the end, is
   * estimated (and the usage marked so).
   */
  async *generateStream(messages: ChatMessage[], options: GenerateOptions = {}): AsyncIterable<ChatMessageStreamDelta> {
    options.signal?.throwIfAborted();
    const callOptions = this.withDefaults(options);
    const filter = new StopSequenceFilter(callOptions.stopSequences);
    const request = this.buildRequest(messages, callOptions);
    const call = callSignal(options.signal);
    try {
      const { sdk, client } = await this.load();
      const context = this.callContext(sdk, options.signal);
      const { data: stream, response } = await this.send(request.body, context, (body) =>
        abortable(client.messages.create({ ...body, stream: true }, { signal: call.signal }).withResponse(), call.signal),
      );
      const reader = new StreamReader(request.formatTool);
      let cut = false;
      const stalled = () => {
        const error = stalledStreamError(`the Anthropic API at ${this.baseURL}`, this.timeoutMs);
        call.abort(error);
        return error;
      };
      try {
        for await (const event of idleLimited(stream, this.timeoutMs, stalled)) {
          if (!isStreamEvent(event)) throw notMessagesReplyError(this.baseURL, response.headers.get("content-type"), true);
          const step = reader.take(event);
          if (step.toolCall) yield { toolCalls: [step.toolCall] };
          if (step.text === undefined) continue;
          const passed = filter.push(step.text);
          if (passed.text !== "") yield { content: passed.text };
          // Leaving the loop closes the SDK stream, which aborts the HTTP request.
          if (passed.stopped) {
            cut = true;
            break;
          }
        }
      } catch (error) {
        throw toModelCallError(error, { ...context, replyStarted: reader.started });
      }
      // The SDK ends its stream quietly when the request is aborted: report the abort.
      options.signal?.throwIfAborted();
      if (!reader.started) throw notMessagesReplyError(this.baseURL, response.headers.get("content-type"), true);
      const rest = filter.flush();
      if (rest !== "") yield { content: rest };
      this.reasoning.remember(reader.toolCallIds, reader.reasoning);
      yield { tokenUsage: streamUsage(reader, cut, messages) };
    } finally {
      call.release();
    }
  }

  private withDefaults(options: GenerateOptions): GenerateOptions {
    return { ...this.options.defaultOptions, ...definedOnly(options) };
  }

  private buildRequest(messages: ChatMessage[], options: GenerateOptions): BuiltRequest {
    const conversation = toAnthropicConversation(messages, (message) => this.reasoning.recall(message.toolCalls?.[0]?.id));
    return buildRequest(conversation, options, {
      modelId: this.modelId,
      defaultMaxTokens: this.options.maxTokens ?? defaultMaxTokens(this.modelId),
      thinkingBudget: this.options.thinking?.budgetTokens,
      promptCaching: this.options.promptCaching ?? true,
      sendStopSequences: !this.stopRejected,
      extraBody: this.options.extraBody ?? {},
    });
  }

  /** Loads the SDK and creates the client, once. */
  private load(): Promise<{ sdk: AnthropicSdk; client: AnthropicClient }> {
    this.loaded ??= loadAnthropicSdk().then((sdk) => ({
      sdk,
      client: createClient(sdk, this.endpoint, { timeoutMs: this.timeoutMs, maxRetries: this.maxRetries, headers: this.options.headers, fetch: this.options.fetch }),
    }));
    // A failed load (the package missing) is tried again on the next call.
    this.loaded.catch(() => (this.loaded = undefined));
    return this.loaded;
  }

  /**
   * Sends a request, after waiting its turn under `requestsPerMinute`. When the server rejects
   * `stop_sequences`, the request is sent again without them, and so are later ones.
   */
  private async send<R>(body: MessagesRequest, context: AnthropicCallContext, request: (body: MessagesRequest) => Promise<R>): Promise<R> {
    await this.pacer?.wait(context.signal);
    for (;;) {
      const sent = this.stopRejected ? withoutStopSequences(body) : body;
      try {
        return await request(sent);
      } catch (error) {
        if (context.signal?.aborted || sent.stop_sequences === undefined || !this.rejectsStop(error, context.sdk)) throw toModelCallError(error, context);
        this.stopRejected = true;
      }
    }
  }

  private rejectsStop(error: unknown, sdk: AnthropicSdk): boolean {
    if (!(error instanceof sdk.APIError) || (error.status !== 400 && error.status !== 422)) return false;
    return STOP_REJECTED.test(apiErrorMessage(error));
  }

  private callContext(sdk: AnthropicSdk, signal: AbortSignal | undefined): AnthropicCallContext {
    return { sdk, baseURL: this.baseURL, modelId: this.modelId, timeoutMs: this.timeoutMs, maxRetries: this.maxRetries, signal };
  }
}

/** 4096 for the Claude 3 models (their longest reply), 8192 for the others. */
export function defaultMaxTokens(modelId: string): number {
  return /^claude-3-(opus|sonnet|haiku)/i.test(modelId) ? 4096 : 8192;
}

/**
 * The usage of a stream: the server's, unless the stream was cut at a stop sequence or ended
 * without the final count; then the output is estimated from what was written (the input count of
 * `message_start` is kept when there was one) and the usage marked estimated.
 */
function streamUsage(reader: StreamReader, cut: boolean, messages: readonly ChatMessage[]): TokenUsage {
  if (reader.usage && reader.counted && !cut) return toTokenUsage(reader.usage);
  if (reader.usage === undefined) return estimateTokenUsage(messages, reader.written);
  return { ...toTokenUsage(reader.usage), outputTokens: estimateTokens(reader.written), estimated: true };
}

function withoutStopSequences(body: MessagesRequest): MessagesRequest {
  const { stop_sequences: _dropped, ...rest } = body;
  return rest as MessagesRequest;
}

/** `options` without the keys set to `undefined`, so they do not hide the defaults. */
function definedOnly(options: GenerateOptions): GenerateOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as GenerateOptions;
}
