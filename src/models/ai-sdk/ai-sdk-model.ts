/**
 * `AiSdkModel`: any language model of the Vercel AI SDK (Google, Mistral, Bedrock, Groq, xAI,
 * OpenAI-compatible servers, ...) as a codeagent {@link Model}. It calls the model's `doGenerate`
 * and `doStream` itself, as the SDK's specification defines them, so it needs no `ai` package at
 * run time: only the provider package that made the model. The specification has no retries nor
 * time limits, so they are done here, as the provider classifies its errors.
 */
import { AgentConfigurationError, ModelCallError } from "../../errors.js";
import type { Pacer } from "../../pacer.js";
import { requestPacer, type ApiModelOptions } from "../api-model-options.js";
import { abortable, callSignal, type CallSignal } from "../call-signal.js";
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
import { callWithRetries } from "../retrying-call.js";
import { StopSequenceFilter } from "../stop-sequence-filter.js";
import { downloadUnsupportedUrls } from "./ai-sdk-downloads.js";
import { classifyAttemptError, rejectsStopSequences, timeoutError, toModelCallError, type AiSdkCallContext } from "./ai-sdk-errors.js";
import { toSpecPrompt, toSpecResponseFormat, toSpecTools } from "./ai-sdk-prompt.js";
import { hasFinishReason, inputText, isClientToolCall, replyText, replyToolCalls, toTokenUsage } from "./ai-sdk-reply.js";
import {
  SUPPORTED_SPECIFICATION_VERSIONS,
  type AiSdkLanguageModel,
  type SpecCallOptions,
  type SpecLanguageModel,
  type SpecMessage,
  type SpecStreamPart,
} from "./language-model-spec.js";
import { knownContextWindow } from "../context-windows.js";

/** Options of {@link AiSdkModel}. */
export interface AiSdkModelOptions extends ApiModelOptions {
  /** The AI SDK language model to wrap, e.g. `google("gemini-2.0-flash")` from `@ai-sdk/google`. */
  model: AiSdkLanguageModel;
  /** The id reported as {@link AiSdkModel.modelId}. Default: the model's own. */
  modelId?: string;
  /**
   * Where the provider's key comes from, as named in the message of a 401 or a missing key, e.g.
   * `GOOGLE_GENERATIVE_AI_API_KEY`. Default: "the provider's API key".
   */
  credentialName?: string;
  /** False for models that reject stop sequences: they are then only cut from the reply here. Default true (a model that rejects them is noticed, and remembered). */
  supportsStop?: boolean;
  /** Sent with every call as the specification's `providerOptions`, e.g. `{ google: { thinkingConfig: { thinkingBudget: 0 } } }`. */
  providerOptions?: Record<string, Record<string, unknown>>;
  /** Extra HTTP headers sent with every call. */
  headers?: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 600_000;
const DEFAULT_MAX_RETRIES = 2;

/**
 * A language model of the Vercel AI SDK as a codeagent model:
 *
 *   import { google } from "@ai-sdk/google";
 *   const model = new AiSdkModel({ model: google("gemini-2.0-flash"), credentialName: "GOOGLE_GENERATIVE_AI_API_KEY" });
 *
 * Providers of specification v3 (made for `ai` 6) and v2 (`ai` 5) are supported.
 */
export class AiSdkModel implements Model {
  readonly modelId: string;
  /** The provider's name, as the model gives it (e.g. `google.generative-ai`). */
  readonly provider: string;
  readonly contextWindow: number | undefined;
  private readonly model: SpecLanguageModel;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly credentialName: string;
  private readonly providerOptions: AiSdkModelOptions["providerOptions"];
  private readonly headers: AiSdkModelOptions["headers"];
  private readonly pacer: Pacer | undefined;
  /** Turned off when the model rejected stop sequences; they are cut here from then on. */
  private sendStop: boolean;

  /** @throws {AgentConfigurationError} for a model of another specification version, or a bad `requestsPerMinute`. */
  constructor(options: AiSdkModelOptions) {
    this.model = checkedModel(options.model);
    this.modelId = options.modelId ?? this.model.modelId;
    this.provider = this.model.provider;
    this.contextWindow = options.contextWindow ?? knownContextWindow(this.modelId);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.credentialName = options.credentialName ?? "the provider's API key";
    this.providerOptions = options.providerOptions;
    this.headers = options.headers;
    this.sendStop = options.supportsStop ?? true;
    this.pacer = requestPacer(options.requestsPerMinute);
  }

  /** One reply, with its tool calls and token usage (estimated, and marked so, when the provider counts none). */
  async generate(messages: ChatMessage[], options: GenerateOptions = {}): Promise<ChatMessage> {
    options.signal?.throwIfAborted();
    const result = await this.send(messages, options, (callOptions) => this.model.doGenerate(callOptions));
    if (!Array.isArray(result?.content)) {
      throw new ModelCallError(`${this.subject()} returned a reply without content. Its provider package may not implement the AI SDK specification it claims.`);
    }
    const text = replyText(result.content);
    const reply: ChatMessage = { role: "assistant", content: applyStopSequences(text, options.stopSequences) };
    const toolCalls = replyToolCalls(result.content);
    if (toolCalls.length > 0) reply.toolCalls = toolCalls;
    reply.tokenUsage = toTokenUsage(result.usage) ?? estimateTokenUsage(messages, text);
    return reply;
  }

  /**
   * The reply as it is written: text deltas, tool-call deltas (numbered in the order the calls
   * start), and the token usage last. Stop sequences are cut across delta boundaries; once one
   * appears the stream is cancelled and the usage, which the provider would only count at the
   * end, is estimated (and marked so).
   */
  async *generateStream(messages: ChatMessage[], options: GenerateOptions = {}): AsyncIterable<ChatMessageStreamDelta> {
    options.signal?.throwIfAborted();
    const call = callSignal(options.signal);
    try {
      // The attempt's signal stops following the caller's once the stream has started: the stream
      // itself must still end when the caller aborts.
      const { stream } = await this.send(messages, options, (callOptions) =>
        this.model.doStream({ ...callOptions, abortSignal: followBoth(callOptions.abortSignal, call.signal) }),
      );
      yield* this.readStream(stream, messages, options, call);
    } finally {
      call.release();
    }
  }

  private async *readStream(
    stream: ReadableStream<SpecStreamPart>,
    messages: ChatMessage[],
    options: GenerateOptions,
    call: CallSignal,
  ): AsyncIterable<ChatMessageStreamDelta> {
    const signal = call.signal;
    const filter = new StopSequenceFilter(options.stopSequences);
    const toolIndexes = new Map<string, { index: number; sent: string }>();
    let usage: TokenUsage | undefined;
    let finished = false;
    let stopped = false;
    /** Everything the model wrote, cut or not, for an estimate of the usage. */
    let written = "";
    /** Whether any part arrived: a failure after it broke a reply under way, it did not fail to reach the provider. */
    let started = false;
    const reader = stream.getReader();
    const read = async (): Promise<PartRead> => {
      try {
        return await abortable(reader.read(), signal);
      } catch (error) {
        throw signal.aborted ? signal.reason : toModelCallError(error, { ...this.callContext(), replyStarted: started });
      }
    };
    // The time limit of `send` covers the wait for the stream to open; after it, each part must
    // come within `timeoutMs` of the one before, or the stream is taken for stalled.
    const stalled = () => {
      const error = stalledStreamError(this.callContext().subject, this.timeoutMs);
      call.abort(error);
      return error;
    };
    try {
      for await (const part of idleLimited(partsOf(read), this.timeoutMs, stalled)) {
        started = true;
        if (part.type === "text-delta" && "delta" in part) {
          written += part.delta;
          const step = filter.push(part.delta);
          if (step.text !== "") yield { content: step.text };
          if ((stopped = step.stopped)) break;
        } else if (part.type === "tool-input-start" && "toolName" in part && !part.providerExecuted) {
          const index = toolIndexes.size;
          toolIndexes.set(part.id, { index, sent: "" });
          written += part.toolName;
          yield { toolCalls: [{ index, id: part.id, name: part.toolName }] };
        } else if (part.type === "tool-input-delta" && "delta" in part) {
          const entry = toolIndexes.get(part.id);
          if (entry === undefined || part.delta === "") continue;
          entry.sent += part.delta;
          written += part.delta;
          yield { toolCalls: [{ index: entry.index, argumentsDelta: part.delta }] };
        } else if (isClientToolCall(part)) {
          // Some providers send a call whole, without input deltas, or only part of its input as deltas.
          const delta = completeToolCall(part.toolCallId, part.toolName, inputText(part.input), toolIndexes);
          if (delta === undefined) continue;
          written += delta.argumentsDelta ?? "";
          yield { toolCalls: [delta] };
        } else if (part.type === "finish" && "usage" in part) {
          usage = toTokenUsage(part.usage);
          finished = hasFinishReason(part.finishReason);
        } else if (part.type === "error" && "error" in part) {
          throw toModelCallError(part.error, { ...this.callContext(), reportedInStream: true });
        }
      }
    } finally {
      // Cancelling closes the HTTP stream when it was left early (a stop sequence, an error, the consumer).
      reader.cancel().catch(() => {});
    }
    signal.throwIfAborted();
    if (!stopped && written === "" && usage === undefined && !finished) {
      throw new ModelCallError(
        `${this.subject()} sent a stream without any reply. If you set the provider's base URL, check that it points at the provider's API, not a web page.`,
      );
    }
    const rest = filter.flush();
    if (rest !== "") yield { content: rest };
    yield { tokenUsage: (stopped ? undefined : usage) ?? estimateTokenUsage(messages, written) };
  }

  /**
   * Sends a call, with retries and a time limit per attempt, after waiting its turn under
   * `requestsPerMinute`. When the model rejects stop sequences, the call is sent again without
   * them, and so are later ones.
   */
  private async send<R>(messages: ChatMessage[], options: GenerateOptions, request: (callOptions: SpecCallOptions) => PromiseLike<R>): Promise<R> {
    const prompt = await this.prompt(messages, options.signal);
    await this.pacer?.wait(options.signal);
    const context = this.callContext();
    for (;;) {
      const callOptions = this.callOptions(prompt, options);
      try {
        return await callWithRetries((signal) => abortable(request({ ...callOptions, abortSignal: signal }), signal), {
          maxRetries: this.maxRetries,
          timeoutMs: this.timeoutMs,
          signal: options.signal,
          classify: classifyAttemptError,
          timeoutError: () => timeoutError(context),
        });
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (!(callOptions.stopSequences && rejectsStopSequences(error))) throw toModelCallError(error, context);
        this.sendStop = false;
      }
    }
  }

  /** The messages as the specification's prompt, with images at URLs the model cannot fetch downloaded. */
  private async prompt(messages: ChatMessage[], signal: AbortSignal | undefined): Promise<SpecMessage[]> {
    const prompt = toSpecPrompt(messages);
    const hasUrl = prompt.some((message) => message.role === "user" && message.content.some((part) => part.type === "file" && part.data instanceof URL));
    if (!hasUrl || this.model.supportedUrls === undefined) return prompt;
    try {
      return await downloadUnsupportedUrls(prompt, await abortable(Promise.resolve(this.model.supportedUrls), signal), signal);
    } catch (error) {
      throw signal?.aborted ? signal.reason : toModelCallError(error, this.callContext());
    }
  }

  /** The specification's call options; `toolChoice` only with tools. */
  private callOptions(prompt: SpecMessage[], options: GenerateOptions): SpecCallOptions {
    const callOptions: SpecCallOptions = { prompt };
    if (options.temperature !== undefined) callOptions.temperature = options.temperature;
    if (options.maxTokens !== undefined) callOptions.maxOutputTokens = options.maxTokens;
    const stops = (options.stopSequences ?? []).filter((stop) => stop !== "");
    if (this.sendStop && stops.length > 0) callOptions.stopSequences = stops;
    if (options.tools?.length) {
      callOptions.tools = toSpecTools(options.tools);
      if (options.toolChoice !== undefined) callOptions.toolChoice = { type: options.toolChoice };
    }
    if (options.responseFormat !== undefined) callOptions.responseFormat = toSpecResponseFormat(options.responseFormat);
    if (this.providerOptions !== undefined) callOptions.providerOptions = this.providerOptions;
    if (this.headers !== undefined) callOptions.headers = this.headers;
    return callOptions;
  }

  private subject(): string {
    return `The ${this.provider} model "${this.modelId}"`;
  }

  private callContext(): AiSdkCallContext {
    return { subject: `the ${this.provider} model "${this.modelId}"`, credentialName: this.credentialName, timeoutMs: this.timeoutMs, maxRetries: this.maxRetries };
  }
}

/** The model, once its specification version is one spoken here. */
function checkedModel(model: AiSdkLanguageModel): SpecLanguageModel {
  const version = (model as { specificationVersion?: unknown } | undefined)?.specificationVersion;
  if (typeof model?.doGenerate !== "function" || typeof model.doStream !== "function") {
    throw new AgentConfigurationError(
      "AiSdkModel needs an AI SDK language model, such as google(\"gemini-2.0-flash\") from @ai-sdk/google: an object with doGenerate and doStream.",
    );
  }
  if (!(SUPPORTED_SPECIFICATION_VERSIONS as readonly unknown[]).includes(version)) {
    throw new AgentConfigurationError(
      `AiSdkModel speaks the AI SDK language model specification v3 (provider packages made for ai 6) and v2 (ai 5), but the ${model.provider} model "${model.modelId}" implements ${JSON.stringify(version)}. ` +
        "Install a version of the provider package made for ai 5 or 6.",
    );
  }
  return model as unknown as SpecLanguageModel;
}

/** What one read of a stream of parts gives. */
type PartRead = Awaited<ReturnType<ReadableStreamDefaultReader<SpecStreamPart>["read"]>>;

/** The parts of a stream, read with `read` until it is done. */
async function* partsOf(read: () => Promise<PartRead>): AsyncGenerator<SpecStreamPart, void, undefined> {
  for (let next = await read(); !next.done; next = await read()) yield next.value;
}

/** The signal that aborts when either does. */
function followBoth(first: AbortSignal | undefined, second: AbortSignal | undefined): AbortSignal | undefined {
  if (first === undefined || second === undefined) return first ?? second;
  return AbortSignal.any([first, second]);
}

/**
 * The delta that completes a streamed tool call from the provider's final `tool-call` part: the
 * whole call when no delta announced it, the rest of its input when the deltas sent only part.
 */
function completeToolCall(
  id: string,
  name: string,
  input: string,
  toolIndexes: Map<string, { index: number; sent: string }>,
): NonNullable<ChatMessageStreamDelta["toolCalls"]>[number] | undefined {
  const entry = toolIndexes.get(id);
  if (entry === undefined) {
    const index = toolIndexes.size;
    toolIndexes.set(id, { index, sent: input });
    return { index, id, name, argumentsDelta: input };
  }
  if (!input.startsWith(entry.sent) || input.length === entry.sent.length) return undefined;
  const rest = input.slice(entry.sent.length);
  entry.sent = input;
  return { index: entry.index, argumentsDelta: rest };
}
