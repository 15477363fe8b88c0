/**
 * `HfInferenceModel`: the {@link Model} seam over the official `@huggingface/inference` SDK, for
 * Hugging Face Inference Providers (the router at router.huggingface.co picks or is told the
 * provider), a dedicated Inference Endpoint, or a local TGI server. The SDK is loaded the first
 * time a call needs it. It neither retries (except a 503, at once and forever, which is turned
 * off) nor times out, so retries, `Retry-After` and time limits are codeagent's
 * ({@link callWithRetries}).
 */
import { AgentConfigurationError, MissingCredentialsError, ModelCallError } from "../../errors.js";
import type { Pacer } from "../../pacer.js";
import { requestPacer, type ApiModelOptions } from "../api-model-options.js";
import { callSignal } from "../call-signal.js";
import {
  applyStopSequences,
  estimateTokenUsage,
  type ChatMessage,
  type ChatMessageStreamDelta,
  type GenerateOptions,
  type Model,
  type TokenUsage,
} from "../model.js";
import { toOpenAIMessages, toOpenAIResponseFormat, toOpenAITools } from "../openai/openai-messages.js";
import { callWithRetries, retryAfterMs } from "../retrying-call.js";
import { idleLimited, stalledStreamError } from "../idle-stream.js";
import { StopSequenceFilter } from "../stop-sequence-filter.js";
import { fromWireToolCalls, isCompletion, isCompletionChunk, toTokenUsage, toToolCallDelta, type WireCompletion } from "./hf-chat-wire.js";
import { errorStatus, notChatCompletionError, serverDetail, timeoutError, toModelCallError, type HfCallContext } from "./hf-errors.js";
import { HF_INFERENCE_PROVIDERS } from "./hf-model-string.js";
import { loadHfInferenceSdk, type HfInferenceClient, type HfRequestOptions } from "./hf-sdk.js";
import { knownContextWindow } from "../context-windows.js";

/** Options of {@link HfInferenceModel}, given to its constructor. */
export interface HfInferenceModelOptions extends ApiModelOptions {
  /** The model's id on the Hugging Face Hub, e.g. `Qwen/Qwen2.5-Coder-32B-Instruct`. */
  modelId: string;
  /**
   * The Inference Provider to run the model on, e.g. `together`, `groq`, `hf-inference`. Default
   * `auto`: Hugging Face's router picks the first provider serving the model in the order of
   * https://hf.co/settings/inference-providers. Not used with `endpointUrl`.
   */
  provider?: string;
  /**
   * A Hugging Face token (`hf_...`), billed through Hugging Face; or a provider's own key, which
   * calls that provider directly (needs a `provider`). Default: the HF_TOKEN environment variable.
   * Needed for Inference Providers; an `endpointUrl` server may need none.
   */
  token?: string;
  /**
   * The URL of a dedicated Inference Endpoint or a TGI / OpenAI-compatible server, e.g.
   * `https://xyz.us-east-1.aws.endpoints.huggingface.cloud/v1` or `http://localhost:8080/v1`;
   * `/chat/completions` is appended (and `/v1` before it when the URL does not end in `/v1`).
   */
  endpointUrl?: string;
  /** Another name for `endpointUrl`, as the other adapters call it. */
  baseURL?: string;
  /** An organization to bill the calls to (the `X-HF-Bill-To` header); it needs Enterprise Hub. */
  billTo?: string;
  /**
   * How long one attempt may wait for the server to start answering, in milliseconds (the first
   * streamed chunk counts). A timed-out attempt is retried. In a stream, also the longest silence
   * between two chunks: a stream silent for longer ends in a retryable error. Default: 600 000 (10 minutes).
   */
  timeoutMs?: number;
  /**
   * Retries after a 408, 409, 429 or 5xx answer (a model still loading answers 503), a timeout or
   * a failed connection, with exponential backoff and jitter; `Retry-After` is honoured. Default 2.
   */
  maxRetries?: number;
  /** The `fetch` the SDK sends requests with. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Extra body fields for provider-specific parameters, e.g. `{ top_p: 0.9, seed: 1 }`. */
  extraBody?: Record<string, unknown>;
}

/** A parameter left out of later requests once the server rejected it. */
type DroppableParameter = "stop" | "stream_options";

/** How a server's error message names each parameter. */
const NAMED: Record<DroppableParameter, RegExp> = { stream_options: /stream_options|include_usage/i, stop: /\bstop\b/i };

/** TGI's default limit, and OpenAI's: more are applied here, not sent. */
const MAX_STOP_SEQUENCES_SENT = 4;
const DEFAULT_TIMEOUT_MS = 600_000;
const DEFAULT_MAX_RETRIES = 2;

/** The HTTP response of the attempt's last request, kept by the `fetch` given to the SDK. */
interface Exchange {
  response?: Response;
}

/** An attempt's error with the response that came with it, for `Retry-After` and the content type. */
class FailedAttempt extends Error {
  constructor(
    readonly error: unknown,
    readonly response: Response | undefined,
  ) {
    super("model call attempt failed", { cause: error });
  }
}

/** A started stream: the SDK's generator, its first event, and the exchange that brought it. */
interface StartedStream {
  events: AsyncGenerator<unknown>;
  first: IteratorResult<unknown>;
  exchange: Exchange;
}

/**
 * A model on Hugging Face Inference Providers or a dedicated endpoint, called through the official
 * `@huggingface/inference` SDK (install it beside codeagent):
 * `new HfInferenceModel({ modelId: "Qwen/Qwen2.5-Coder-32B-Instruct", provider: "together" })`, or
 * `new HfInferenceModel({ modelId: "tgi", endpointUrl: "http://localhost:8080/v1" })`.
 * Failures throw {@link ModelCallError} (after the retries, when retrying can help); an aborted
 * call rejects with the signal's reason.
 */
export class HfInferenceModel implements Model {
  readonly modelId: string;
  /** The provider calls go to through the router; undefined with an `endpointUrl`. */
  readonly provider: string | undefined;
  /** The dedicated endpoint calls go to, when one was given. */
  readonly endpointUrl: string | undefined;
  readonly contextWindow: number | undefined;
  private readonly token: string | undefined;
  private readonly billTo: string | undefined;
  private readonly fetch: typeof globalThis.fetch | undefined;
  private readonly extraBody: Record<string, unknown>;
  private readonly context: HfCallContext;
  private readonly pacer: Pacer | undefined;
  /** Parameters this server rejected, left out of every later request. */
  private readonly rejectedParameters = new Set<DroppableParameter>();
  private client: Promise<HfInferenceClient> | undefined;

  /**
   * @throws {MissingCredentialsError} when Inference Providers are used without a token (`token`, HF_TOKEN).
   * @throws {AgentConfigurationError} when the provider is unknown, or the options contradict each other.
   */
  constructor(options: HfInferenceModelOptions) {
    this.modelId = options.modelId;
    this.endpointUrl = endpointOf(options);
    this.token = options.token ?? readEnv("HF_TOKEN");
    this.provider = this.endpointUrl === undefined ? checkedProvider(options.provider ?? "auto", this.token) : undefined;
    if (this.endpointUrl !== undefined && options.provider !== undefined && options.provider !== "auto") {
      throw new AgentConfigurationError(
        `HfInferenceModel got both \`endpointUrl\` and \`provider: "${options.provider}"\`: a dedicated endpoint serves the model itself. Pass one of them.`,
      );
    }
    this.billTo = options.billTo;
    this.fetch = options.fetch;
    this.extraBody = options.extraBody ?? {};
    this.pacer = requestPacer(options.requestsPerMinute);
    this.contextWindow = options.contextWindow ?? knownContextWindow(this.modelId);
    this.context = {
      target: describeTarget(this.endpointUrl, this.provider, this.token),
      targetOption: this.endpointUrl === undefined ? "provider" : "endpointUrl",
      modelId: this.modelId,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    };
  }

  /** One reply, with its tool calls and token usage (estimated, and marked so, when the server sends none). */
  async generate(messages: ChatMessage[], options: GenerateOptions = {}): Promise<ChatMessage> {
    options.signal?.throwIfAborted();
    const client = await this.sdkClient();
    const completion = await this.send(
      () => this.requestBody(messages, options, false),
      options.signal,
      async (body, signal, exchange): Promise<WireCompletion> => {
        const data = await client.chatCompletion(body, this.requestOptions(signal, exchange));
        if (!isCompletion(data)) throw notChatCompletionError(this.context, exchange.response?.headers.get("content-type") ?? null, false);
        return data;
      },
    );
    const choice = completion.choices[0];
    if (choice === undefined) throw new ModelCallError(`The reply from ${this.context.target} has no choice. Check that it serves chat completions.`);
    const text = choice.message?.content ?? "";
    const reply: ChatMessage = { role: "assistant", content: applyStopSequences(text, options.stopSequences) };
    const toolCalls = fromWireToolCalls(choice.message?.tool_calls);
    if (toolCalls) reply.toolCalls = toolCalls;
    reply.tokenUsage = completion.usage ? toTokenUsage(completion.usage) : estimateTokenUsage(messages, text);
    return reply;
  }

  /**
   * The reply as it is written: text deltas, tool-call deltas, and the token usage last (estimated,
   * and marked so, when the provider sends none or the stream was cut at a stop sequence). Stop
   * sequences are applied across delta boundaries; once one appears the HTTP stream is closed.
   */
  async *generateStream(messages: ChatMessage[], options: GenerateOptions = {}): AsyncIterable<ChatMessageStreamDelta> {
    options.signal?.throwIfAborted();
    const filter = new StopSequenceFilter(options.stopSequences);
    const call = callSignal(options.signal);
    /** Aborting it closes the current attempt's HTTP stream. */
    let connection: AbortController | undefined;
    let started: StartedStream | undefined;
    try {
      const client = await this.sdkClient();
      started = await this.send(
        () => this.requestBody(messages, options, true),
        options.signal,
        async (body, attemptSignal, exchange): Promise<StartedStream> => {
          connection = followingController(attemptSignal, call.signal);
          const events = client.chatCompletionStream(body, this.requestOptions(connection.signal, exchange));
          return { events, first: await events.next(), exchange };
        },
      );
      let usage: TokenUsage | undefined;
      let chunks = 0;
      /** Every character the server sent, cut or not, for an estimate of the usage. */
      let written = "";
      let cut = false;
      // The time limit of `send` covers the wait for the first event; after it, each event must
      // come within `timeoutMs` of the one before, or the stream is taken for stalled.
      const stalled = () => {
        const error = stalledStreamError(this.context.target, this.context.timeoutMs);
        call.abort(error);
        return error;
      };
      try {
        for await (const chunk of idleLimited(eventsFrom(started), this.context.timeoutMs, stalled)) {
          if (!isCompletionChunk(chunk)) throw notChatCompletionError(this.context, started.exchange.response?.headers.get("content-type") ?? null, true);
          chunks++;
          if (chunk.usage) usage = toTokenUsage(chunk.usage);
          const delta = chunk.choices?.[0]?.delta;
          if (delta?.content) {
            written += delta.content;
            const step = filter.push(delta.content);
            if (step.text !== "") yield { content: step.text };
            if (step.stopped) {
              cut = true;
              break;
            }
          }
          if (delta?.tool_calls?.length) {
            written += delta.tool_calls.map((piece) => (piece.function?.name ?? "") + String(piece.function?.arguments ?? "")).join("");
            yield { toolCalls: delta.tool_calls.map(toToolCallDelta) };
          }
        }
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        throw toModelCallError(error, started.exchange.response, this.context);
      }
      options.signal?.throwIfAborted();
      if (chunks === 0) throw notChatCompletionError(this.context, started.exchange.response?.headers.get("content-type") ?? null, true);
      const rest = filter.flush();
      if (rest !== "") yield { content: rest };
      yield { tokenUsage: cut || usage === undefined ? estimateTokenUsage(messages, written) : usage };
    } finally {
      // Closes the HTTP stream when the reply was cut at a stop sequence or the caller left early.
      connection?.abort(new DOMException("The stream was closed.", "AbortError"));
      started?.events.return(undefined).catch(() => {});
      call.release();
    }
  }

  /**
   * Sends a request with retries. When the server rejects a parameter it can do without (a 400
   * naming `stop` or `stream_options`), the request is sent again without it, and so are later ones.
   */
  private async send<T>(
    body: () => Record<string, unknown>,
    signal: AbortSignal | undefined,
    attempt: (body: Record<string, unknown>, signal: AbortSignal, exchange: Exchange) => Promise<T>,
  ): Promise<T> {
    await this.pacer?.wait(signal);
    for (;;) {
      const sent = body();
      try {
        return await callWithRetries(
          async (attemptSignal) => {
            const exchange: Exchange = {};
            try {
              return await attempt(sent, attemptSignal, exchange);
            } catch (error) {
              throw new FailedAttempt(error, exchange.response);
            }
          },
          {
            maxRetries: this.context.maxRetries,
            timeoutMs: this.context.timeoutMs,
            signal,
            classify: (error) => this.classify(error),
            timeoutError: () => timeoutError(this.context),
          },
        );
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (!(error instanceof FailedAttempt)) throw error;
        const parameter = rejectedParameter(error.error, sent);
        if (parameter === undefined) throw toModelCallError(error.error, error.response, this.context);
        this.rejectedParameters.add(parameter);
      }
    }
  }

  private classify(error: unknown): { retryable: boolean; retryAfterMs?: number } {
    if (!(error instanceof FailedAttempt)) return { retryable: false };
    const translated = toModelCallError(error.error, error.response, this.context);
    const wait = retryAfterMs(error.response?.headers);
    return { retryable: translated instanceof ModelCallError && translated.retryable, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
  }

  /** The SDK's arguments: the chat-completions body, and where to route it. */
  private requestBody(messages: ChatMessage[], options: GenerateOptions, streaming: boolean): Record<string, unknown> {
    const body: Record<string, unknown> = { model: this.modelId, messages: toOpenAIMessages(messages) };
    if (this.provider !== undefined) body.provider = this.provider;
    if (options.temperature !== undefined) body.temperature = options.temperature;
    if (options.maxTokens !== undefined) body.max_tokens = options.maxTokens;
    const stops = (options.stopSequences ?? []).filter((stop) => stop !== "");
    if (stops.length > 0 && !this.rejectedParameters.has("stop")) body.stop = stops.slice(0, MAX_STOP_SEQUENCES_SENT);
    if (options.tools?.length) {
      body.tools = toOpenAITools(options.tools);
      if (options.toolChoice !== undefined) body.tool_choice = options.toolChoice;
    }
    if (options.responseFormat !== undefined) body.response_format = toOpenAIResponseFormat(options.responseFormat);
    if (streaming && !this.rejectedParameters.has("stream_options")) body.stream_options = { include_usage: true };
    return { ...body, ...this.extraBody };
  }

  private requestOptions(signal: AbortSignal, exchange: Exchange): HfRequestOptions {
    const send = this.fetch ?? globalThis.fetch;
    const recording: typeof globalThis.fetch = async (input, init) => {
      exchange.response = undefined;
      exchange.response = await send(input, init);
      return exchange.response;
    };
    return { signal, fetch: recording, retry_on_error: false, ...(this.billTo !== undefined ? { billTo: this.billTo } : {}) };
  }

  private sdkClient(): Promise<HfInferenceClient> {
    this.client ??= loadHfInferenceSdk().then(
      (sdk) => new sdk.InferenceClient(this.token ?? "", this.endpointUrl !== undefined ? { endpointUrl: this.endpointUrl } : {}),
      (error: unknown) => {
        this.client = undefined;
        throw error;
      },
    );
    return this.client;
  }
}

/** The parameter `error` says the server rejected, when `body` carried it. */
function rejectedParameter(error: unknown, body: Record<string, unknown>): DroppableParameter | undefined {
  // 422 is what validating servers (TGI, FastAPI) answer for a field they do not take.
  const status = errorStatus(error);
  if (status !== 400 && status !== 422) return undefined;
  const detail = serverDetail(error);
  return (Object.keys(NAMED) as DroppableParameter[]).find((parameter) => parameter in body && NAMED[parameter].test(detail));
}

/** The events of a started stream, its first (already read) included. */
async function* eventsFrom(started: StartedStream): AsyncGenerator<unknown, void, undefined> {
  for (let next = started.first; !next.done; next = await started.events.next()) yield next.value;
}

/** A controller that aborts when any of `signals` does. */
function followingController(...signals: (AbortSignal | undefined)[]): AbortController {
  const controller = new AbortController();
  for (const signal of signals) {
    if (signal === undefined) continue;
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener("abort", () => controller.abort(signal.reason), { once: true, signal: controller.signal });
  }
  return controller;
}

function endpointOf(options: HfInferenceModelOptions): string | undefined {
  const { endpointUrl, baseURL } = options;
  if (endpointUrl !== undefined && baseURL !== undefined && endpointUrl !== baseURL) {
    throw new AgentConfigurationError("HfInferenceModel got both `endpointUrl` and `baseURL`, which differ: they are the same option. Pass one of them.");
  }
  return endpointUrl ?? baseURL;
}

/** The provider, checked against the SDK's list and against the token it needs. */
function checkedProvider(provider: string, token: string | undefined): string {
  if (!HF_INFERENCE_PROVIDERS.includes(provider)) {
    throw new AgentConfigurationError(`HfInferenceModel does not know the provider "${provider}". Use one of: ${HF_INFERENCE_PROVIDERS.join(", ")}.`);
  }
  if (token === undefined) {
    throw new MissingCredentialsError(
      ["HF_TOKEN"],
      "HfInferenceModel has no Hugging Face token. Set the HF_TOKEN environment variable or pass `token` (create one at https://huggingface.co/settings/tokens, allowed to make calls to Inference Providers). " +
        'For a dedicated Inference Endpoint or a local TGI server, pass its `endpointUrl` instead, e.g. new HfInferenceModel({ modelId: "tgi", endpointUrl: "http://localhost:8080/v1" }).',
    );
  }
  if (provider === "auto" && !token.startsWith("hf_")) {
    throw new AgentConfigurationError(
      'HfInferenceModel with provider "auto" needs a Hugging Face token (it starts with hf_). A provider\'s own key calls that provider directly: pass its name as `provider`, e.g. provider: "together".',
    );
  }
  return provider;
}

function describeTarget(endpointUrl: string | undefined, provider: string | undefined, token: string | undefined): string {
  if (endpointUrl !== undefined) return `the endpoint at ${endpointUrl}`;
  if (provider === "auto") return "the Hugging Face router";
  if (token?.startsWith("hf_")) return `the Hugging Face router (provider "${provider}")`;
  return `the provider "${provider}" (called with its own key)`;
}

function readEnv(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}
