/**
 * `OpenAIModel`: the {@link Model} seam over the official `openai` SDK, for OpenAI and every server
 * that speaks its chat-completions protocol (vLLM, Ollama, llama.cpp server, TGI, LiteLLM, Azure).
 */
import type { OpenAI } from "openai";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsBase } from "openai/resources/chat/completions";

import { ModelCallError } from "../../errors.js";
import type { Pacer } from "../../pacer.js";
import { requestPacer, type ApiModelOptions } from "../api-model-options.js";
import { abortable, callSignal } from "../call-signal.js";
import { knownContextWindow } from "../context-windows.js";
import { idleLimited, stalledStreamError } from "../idle-stream.js";
import {
  applyStopSequences,
  estimateTokenUsage,
  type ChatMessage,
  type ChatMessageStreamDelta,
  type GenerateOptions,
  type Model,
  type TokenUsage,
} from "../model.js";
import { createClient } from "./openai-client.js";
import { notChatCompletionError, toModelCallError, type OpenAICallContext } from "./openai-errors.js";
import { fromOpenAIToolCalls, toOpenAIMessages, toOpenAIResponseFormat, toOpenAITools } from "./openai-messages.js";
import { rejectedParameter, withoutParameters, type DroppableParameter } from "../rejected-parameters.js";
import { StopSequenceFilter } from "../stop-sequence-filter.js";

/** How to reach a deployment on Azure OpenAI (served through the SDK's `AzureOpenAI` client). */
export interface OpenAIAzureOptions {
  /** The resource endpoint, e.g. `https://my-resource.openai.azure.com`. */
  endpoint: string;
  /** The Azure OpenAI API version, e.g. `2024-10-21`. */
  apiVersion: string;
  /** The deployment to call. Default: the `modelId`. */
  deployment?: string;
  /** A Microsoft Entra ID token provider, instead of an API key. */
  azureADTokenProvider?: () => Promise<string>;
}

/** Options of {@link OpenAIModel}, given to its constructor. */
export interface OpenAIModelOptions extends ApiModelOptions {
  /** The model to call, e.g. `gpt-4o-mini`, or the name a local server gives its model. */
  modelId: string;
  /**
   * The server's base URL, usually ending in `/v1`, e.g. `http://localhost:8000/v1` for vLLM or
   * `http://localhost:11434/v1` for Ollama. Default: `OPENAI_BASE_URL`, else OpenAI's API.
   */
  baseURL?: string;
  /**
   * Default: the `OPENAI_API_KEY` environment variable (`AZURE_OPENAI_API_KEY` with `azure`).
   * A server given by `baseURL` needs none: a placeholder is then sent.
   */
  apiKey?: string;
  /** OpenAI organization id, sent as the `OpenAI-Organization` header. */
  organization?: string;
  /** Extra HTTP headers sent with every request. */
  headers?: Record<string, string>;
  /**
   * How long one attempt may wait for the server to start answering, in milliseconds. A timed-out
   * attempt is retried like a server error. Default: 600 000 (10 minutes, the SDK's default).
   */
  timeoutMs?: number;
  /**
   * Retries after a 408, 409, 429 or 5xx answer, a timeout or a failed connection, with
   * exponential backoff and jitter; `Retry-After` and `retry-after-ms` headers are honoured.
   * Default 2.
   */
  maxRetries?: number;
  /**
   * Whether to send the `stop` parameter. Some models (OpenAI's reasoning models) and proxies
   * reject it: when a server answers 400 naming `stop`, the call is sent again without it, and
   * later calls leave it out, so `false` only saves that first refused request. Either way stop
   * sequences are applied to the reply here, for servers that ignore them. At most 4 are sent
   * (OpenAI's limit); all are applied. Default true, except for OpenAI's reasoning models
   * (o1, o3, o4-mini, gpt-5, ...), known to reject it.
   */
  supportsStop?: boolean;
  /**
   * Which field carries `maxTokens`. Default `max_tokens`: every OpenAI-compatible server (vLLM,
   * Ollama, llama.cpp, TGI, LiteLLM, Azure) accepts it, while `max_completion_tokens` is newer
   * and unknown to some. OpenAI's reasoning models accept only `max_completion_tokens`, their default.
   */
  maxTokensParameter?: "max_tokens" | "max_completion_tokens";
  /** Call a deployment on Azure OpenAI instead of `baseURL`. */
  azure?: OpenAIAzureOptions;
  /** The `fetch` to send requests with. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Options used when a call does not give them, e.g. `{ temperature: 0 }`. */
  defaultOptions?: Pick<GenerateOptions, "temperature" | "maxTokens" | "stopSequences" | "responseFormat" | "toolChoice">;
  /** Extra body fields for server-specific parameters, e.g. `{ top_k: 20 }` for vLLM. */
  extraBody?: Record<string, unknown>;
}

/** OpenAI allows at most this many stop sequences in a request. */
const MAX_STOP_SEQUENCES_SENT = 4;
const DEFAULT_TIMEOUT_MS = 600_000;
const DEFAULT_MAX_RETRIES = 2;

/**
 * A model behind an OpenAI-compatible chat-completions endpoint, called through the official
 * `openai` SDK: `new OpenAIModel({ modelId: "gpt-4o-mini" })`, or
 * `new OpenAIModel({ modelId: "qwen2.5-coder", baseURL: "http://localhost:8000/v1" })`.
 * Failures throw {@link ModelCallError} (after the retries, when retrying can help); an aborted
 * call rejects with the signal's reason.
 */
export class OpenAIModel implements Model {
  readonly modelId: string;
  /** The base URL requests go to. */
  readonly baseURL: string;
  private readonly client: OpenAI;
  private readonly supportsStop: boolean;
  private readonly maxTokensParameter: "max_tokens" | "max_completion_tokens";
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly defaultOptions: NonNullable<OpenAIModelOptions["defaultOptions"]>;
  private readonly extraBody: Record<string, unknown>;
  /** Parameters this server rejected, left out of every later request. */
  private readonly rejectedParameters = new Set<DroppableParameter>();
  private readonly pacer: Pacer | undefined;
  readonly contextWindow: number | undefined;

  /**
   * @throws {AgentConfigurationError} when there is neither an API key (`apiKey`, OPENAI_API_KEY)
   * nor a `baseURL`, or when the Azure options are incomplete.
   */
  constructor(options: OpenAIModelOptions) {
    this.modelId = options.modelId;
    const reasoning = isOpenAIReasoningModel(options.modelId);
    this.supportsStop = options.supportsStop ?? !reasoning;
    this.maxTokensParameter = options.maxTokensParameter ?? (reasoning ? "max_completion_tokens" : "max_tokens");
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.defaultOptions = options.defaultOptions ?? {};
    this.extraBody = options.extraBody ?? {};
    this.client = createClient(options, this.timeoutMs, this.maxRetries);
    this.baseURL = this.client.baseURL;
    this.pacer = requestPacer(options.requestsPerMinute);
    this.contextWindow = options.contextWindow ?? knownContextWindow(this.modelId);
  }

  /** One reply, with its tool calls and token usage (estimated, and marked so, when the server sends none). */
  async generate(messages: ChatMessage[], options: GenerateOptions = {}): Promise<ChatMessage> {
    options.signal?.throwIfAborted();
    const stopSequences = options.stopSequences ?? this.defaultOptions.stopSequences;
    const context = this.callContext(options.signal);
    const call = callSignal(options.signal);
    try {
      const { data, response } = await this.send(this.requestBody(messages, options), context, (body) =>
        abortable(this.client.chat.completions.create({ ...body, stream: false }, { signal: call.signal }).withResponse(), call.signal),
      );
      const completion = data as Partial<ChatCompletion> | string;
      if (typeof completion !== "object" || !Array.isArray(completion.choices)) {
        throw notChatCompletionError(this.baseURL, response.headers.get("content-type"), false);
      }
      const choice = completion.choices[0];
      if (choice === undefined) {
        throw new ModelCallError(`The model server at ${this.baseURL} sent a reply without any choice. Check that it serves the chat-completions protocol.`);
      }
      const text = choice.message.content ?? "";
      const reply: ChatMessage = { role: "assistant", content: applyStopSequences(text, stopSequences) };
      const toolCalls = fromOpenAIToolCalls(choice.message.tool_calls);
      if (toolCalls) reply.toolCalls = toolCalls;
      reply.tokenUsage = completion.usage ? toTokenUsage(completion.usage) : estimateTokenUsage(messages, text);
      return reply;
    } finally {
      call.release();
    }
  }

  /**
   * The reply as it is written: text deltas, tool-call deltas, and the token usage last. Stop
   * sequences are applied across delta boundaries (a tail that could start one is held back);
   * once one appears, nothing more is yielded but the usage, and the HTTP stream is closed. The
   * server's count would only come after the rest of the reply, so that usage is estimated (and
   * marked so), as it is when a server sends none.
   */
  async *generateStream(messages: ChatMessage[], options: GenerateOptions = {}): AsyncIterable<ChatMessageStreamDelta> {
    options.signal?.throwIfAborted();
    const filter = new StopSequenceFilter(options.stopSequences ?? this.defaultOptions.stopSequences);
    const context = this.callContext(options.signal);
    const call = callSignal(options.signal);
    try {
      const { data: stream, response } = await this.send(
        { ...this.requestBody(messages, options), stream_options: { include_usage: true } },
        context,
        (body) => abortable(this.client.chat.completions.create({ ...body, stream: true }, { signal: call.signal }).withResponse(), call.signal),
      );
      let usage: TokenUsage | undefined;
      let chunks = 0;
      /** Every character the server sent, cut or not, for an estimate of the usage. */
      let written = "";
      const stalled = () => {
        const error = stalledStreamError(`the model server at ${this.baseURL}`, this.timeoutMs);
        call.abort(error);
        return error;
      };
      try {
        for await (const chunk of idleLimited(stream, this.timeoutMs, stalled)) {
          if (!isCompletionChunk(chunk)) throw notChatCompletionError(this.baseURL, response.headers.get("content-type"), true);
          chunks++;
          if (chunk.usage) usage = toTokenUsage(chunk.usage);
          const delta = chunk.choices?.[0]?.delta;
          if (delta?.content) {
            written += delta.content;
            const step = filter.push(delta.content);
            if (step.text !== "") yield { content: step.text };
            // Leaving the loop closes the SDK stream, which aborts the HTTP request.
            if (step.stopped) break;
          }
          if (delta?.tool_calls?.length) {
            written += delta.tool_calls.map((call) => (call.function?.name ?? "") + (call.function?.arguments ?? "")).join("");
            yield { toolCalls: delta.tool_calls.map(toToolCallDelta) };
          }
        }
      } catch (error) {
        throw toModelCallError(error, context);
      }
      // The SDK ends its stream quietly when the request is aborted: report the abort (before
      // taking an empty stream for a server that does not stream chat completions).
      options.signal?.throwIfAborted();
      if (chunks === 0) throw notChatCompletionError(this.baseURL, response.headers.get("content-type"), true);
      const rest = filter.flush();
      if (rest !== "") yield { content: rest };
      yield { tokenUsage: usage ?? estimateTokenUsage(messages, written) };
    } finally {
      call.release();
    }
  }

  /**
   * Sends a request. When the server rejects a parameter it can do without (see
   * {@link rejectedParameter}), the request is sent again without it, and so are later ones.
   */
  private async send<B extends object, R>(body: B, context: OpenAICallContext, request: (body: B) => Promise<R>): Promise<R> {
    await this.pacer?.wait(context.signal);
    for (;;) {
      const sent = withoutParameters(body, this.rejectedParameters);
      try {
        return await request(sent);
      } catch (error) {
        const parameter = rejectedParameter(error, sent);
        if (parameter === undefined || context.signal?.aborted) throw toModelCallError(error, context);
        this.rejectedParameters.add(parameter);
      }
    }
  }

  /** The request body; `toolChoice` is sent only with tools, and `extraBody` goes last. */
  private requestBody(messages: ChatMessage[], options: GenerateOptions): ChatCompletionCreateParamsBase {
    const defaults = this.defaultOptions;
    const body: ChatCompletionCreateParamsBase = { model: this.modelId, messages: toOpenAIMessages(messages) };
    const temperature = options.temperature ?? defaults.temperature;
    if (temperature !== undefined) body.temperature = temperature;
    const maxTokens = options.maxTokens ?? defaults.maxTokens;
    if (maxTokens !== undefined) body[this.maxTokensParameter] = maxTokens;
    const stops = (options.stopSequences ?? defaults.stopSequences ?? []).filter((stop) => stop !== "");
    if (this.supportsStop && stops.length > 0) body.stop = stops.slice(0, MAX_STOP_SEQUENCES_SENT);
    if (options.tools?.length) body.tools = toOpenAITools(options.tools);
    const toolChoice = options.toolChoice ?? defaults.toolChoice;
    if (toolChoice !== undefined && options.tools?.length) body.tool_choice = toolChoice;
    const responseFormat = options.responseFormat ?? defaults.responseFormat;
    if (responseFormat !== undefined) body.response_format = toOpenAIResponseFormat(responseFormat);
    return { ...body, ...this.extraBody };
  }

  private callContext(signal: AbortSignal | undefined): OpenAICallContext {
    return { baseURL: this.baseURL, modelId: this.modelId, timeoutMs: this.timeoutMs, maxRetries: this.maxRetries, signal };
  }
}

/**
 * OpenAI's reasoning models (o1, o3, o4-mini, gpt-5, ...) reject `stop` and `max_tokens`: known
 * here, so their first call is not refused. Other servers' models are found out by their refusals.
 */
function isOpenAIReasoningModel(modelId: string): boolean {
  return /^(o1|o3|o4)(-|$)|^gpt-5/.test(modelId.toLowerCase());
}

function toTokenUsage(usage: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } | null }): TokenUsage {
  const tokenUsage: TokenUsage = { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0 };
  // OpenAI caches long prompt prefixes by itself and says how much of the prompt it read from there.
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cached === "number" && cached > 0) tokenUsage.cacheReadTokens = cached;
  return tokenUsage;
}

/**
 * Whether a streamed event is a chat-completion chunk: it has choices, or is the usage chunk (some
 * servers leave `choices` out of that one). An HTML page or unrelated JSON yields no event at all,
 * or events of another shape.
 */
function isCompletionChunk(chunk: unknown): chunk is ChatCompletionChunk {
  const candidate = chunk as Partial<ChatCompletionChunk> | null;
  return typeof candidate === "object" && candidate !== null && (Array.isArray(candidate.choices) || (typeof candidate.usage === "object" && candidate.usage !== null));
}

function toToolCallDelta(call: ChatCompletionChunk.Choice.Delta.ToolCall): NonNullable<ChatMessageStreamDelta["toolCalls"]>[number] {
  return {
    index: call.index,
    ...(call.id ? { id: call.id } : {}),
    ...(call.function?.name ? { name: call.function.name } : {}),
    ...(call.function?.arguments ? { argumentsDelta: call.function.arguments } : {}),
  };
}
