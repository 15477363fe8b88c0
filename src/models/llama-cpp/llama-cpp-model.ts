/**
 * `LlamaCppModel`: the {@link Model} seam over a GGUF model file run in this process by llama.cpp
 * (through node-llama-cpp): no server, no network. The prompt format is the model's own chat
 * template, read from the file.
 */
import { existsSync, statSync } from "node:fs";
import { basename } from "node:path";

import type { ChatHistoryItem, Llama, LlamaChat, LlamaContext, LlamaContextSequence, LlamaGrammar, LlamaModel } from "node-llama-cpp";

import { EventChannel } from "../../agents/event-channel.js";
import { AgentConfigurationError, ModelCallError } from "../../errors.js";
import { abortable } from "../call-signal.js";
import { applyStopSequences, type ChatMessage, type ChatMessageStreamDelta, type GenerateOptions, type Model, type ResponseFormat, type TokenUsage } from "../model.js";
import { StopSequenceFilter } from "../stop-sequence-filter.js";
import { toLlamaChatHistory } from "./llama-cpp-messages.js";
import { mustCallTool, parseToolCall, toolCallSchema, withToolInstructions } from "./llama-cpp-tools.js";
import { loadNodeLlamaCpp, type NodeLlamaCppModule } from "./load-node-llama-cpp.js";

/** Where llama.cpp computes: `false` is the CPU; `true` or `"auto"` the best GPU backend found, else the CPU. */
export type LlamaCppGpu = boolean | "auto" | "cuda" | "vulkan" | "metal";

/** Options of {@link LlamaCppModel}, given to its constructor. */
export interface LlamaCppModelOptions {
  /** The GGUF model file, e.g. one fetched by `downloadGguf`. */
  modelPath: string;
  /** The name reported as `modelId`. Default: the file name without `.gguf`. */
  modelId?: string;
  /**
   * Tokens of the context (prompt and reply together); also the model's `contextWindow`. Memory
   * grows with it. A conversation that does not fit is refused (a `ModelCallError` naming this
   * option) rather than cut short at its start. Default: the context length the model was
   * trained with, at most 8192.
   */
  contextSize?: number;
  /** CPU threads for evaluation. Default: node-llama-cpp's choice (the machine's cores). */
  threads?: number;
  /**
   * Compute on a GPU. Default `false`, the CPU. Only node-llama-cpp's prebuilt binaries are used:
   * nothing is compiled or downloaded when the model loads.
   */
  gpu?: LlamaCppGpu;
  /** Seeds sampling, so a call with a temperature above 0 can be repeated. Default: random. */
  seed?: number;
  /** Options used when a call does not give them, e.g. `{ temperature: 0.7, maxTokens: 2048 }`. */
  defaultOptions?: Pick<GenerateOptions, "temperature" | "maxTokens" | "stopSequences" | "responseFormat">;
}

/** Contexts larger than this are only made when asked for: memory grows with the context. */
const DEFAULT_MAX_CONTEXT_SIZE = 8192;

/** What a loaded model keeps between calls. */
interface LoadedModel {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
  chat: LlamaChat;
  /** Grammars made for JSON schemas, by the schema's JSON text. */
  grammars: Map<string, Promise<LlamaGrammar>>;
}

/** What a call produced. */
interface CallResult {
  text: string;
  usage: TokenUsage;
}

/** Shared llama.cpp runtimes, one per GPU choice: loading the native library costs time and memory. */
const runtimes = new Map<string, Promise<Llama>>();

/**
 * A GGUF model run locally by llama.cpp: `new LlamaCppModel({ modelPath: "qwen2.5-coder-7b-q4_k_m.gguf" })`.
 *
 * The model loads on the first call (or {@link load}) and stays loaded until {@link close}. Calls
 * on one model run one at a time, in order, on its single context sequence: llama.cpp reuses the
 * evaluated prefix of the previous call's prompt, which is what an agent's growing conversation
 * needs. Run models side by side with several instances (each holds its own copy in memory).
 *
 * Supported: streaming, stop sequences, temperature, `maxTokens`, abort signals, token usage
 * counted by the model's tokenizer, and `responseFormat` (`json_object`, `json_schema`) enforced
 * by a grammar. Tool calls are made when a call must make one (`toolChoice: "required"`, which
 * ToolCallingAgent asks for): the tools are described in the system prompt and a grammar makes
 * the reply one call of one of them (see `llama-cpp-tools.ts`); the model's own tool-call format
 * is not used. Not supported: tools the model may or may not call (`toolChoice: "auto"`, refused
 * with an explanation) and images (replaced by a note that one was there).
 */
export class LlamaCppModel implements Model {
  readonly modelId: string;
  /** The GGUF file this model runs. */
  readonly modelPath: string;
  private readonly options: LlamaCppModelOptions;
  private readonly defaultOptions: NonNullable<LlamaCppModelOptions["defaultOptions"]>;
  private loading: Promise<LoadedModel> | undefined;
  private loadedContextSize: number | undefined;
  /** Settles when the last call queued so far has finished. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private toolCallCount = 0;

  /** @throws {AgentConfigurationError} when `contextSize` or `threads` is not a positive integer. */
  constructor(options: LlamaCppModelOptions) {
    for (const name of ["contextSize", "threads"] as const) {
      const value = options[name];
      if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
        throw new AgentConfigurationError(`LlamaCppModel's ${name} must be a positive whole number, not ${value}.`);
      }
    }
    this.options = options;
    this.modelPath = options.modelPath;
    this.modelId = options.modelId ?? basename(options.modelPath).replace(/\.gguf$/i, "");
    this.defaultOptions = options.defaultOptions ?? {};
  }

  /**
   * The context size in tokens: once the model has loaded, the size llama.cpp made (it rounds
   * small sizes up, to 256 at least); before, the `contextSize` option.
   */
  get contextWindow(): number | undefined {
    return this.loadedContextSize ?? this.options.contextSize;
  }

  /**
   * Loads the model now rather than on the first call, e.g. to learn its `contextWindow` or to
   * report a bad file early.
   * @throws {AgentConfigurationError} when the file is missing or llama.cpp cannot load it.
   */
  async load(): Promise<void> {
    await this.loaded();
  }

  /** One reply, with its token usage. Aborting rejects with the signal's reason. */
  async generate(messages: ChatMessage[], options: GenerateOptions = {}): Promise<ChatMessage> {
    const result = await this.call(messages, options, undefined);
    if (mustCallTool(options)) {
      const call = parseToolCall(result.text, options.tools!, `call_${++this.toolCallCount}`);
      if (call) return { role: "assistant", content: "", toolCalls: [call], tokenUsage: result.usage };
      return { role: "assistant", content: result.text, tokenUsage: result.usage };
    }
    const stopSequences = options.stopSequences ?? this.defaultOptions.stopSequences;
    return { role: "assistant", content: applyStopSequences(result.text, stopSequences), tokenUsage: result.usage };
  }

  /**
   * The reply as llama.cpp writes it, text delta by text delta, the token usage last. The deltas
   * concatenate to what {@link generate} returns for the same call. Leaving the loop early stops
   * the generation.
   */
  async *generateStream(messages: ChatMessage[], options: GenerateOptions = {}): AsyncIterable<ChatMessageStreamDelta> {
    if (mustCallTool(options)) {
      // The call is one JSON object, useful only whole: it comes as one delta.
      const reply = await this.generate(messages, options);
      const call = reply.toolCalls?.[0];
      if (call) {
        const argumentsDelta = typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments);
        yield { toolCalls: [{ index: 0, id: call.id, name: call.name, argumentsDelta }] };
      } else if (reply.content !== "") yield { content: reply.content as string };
      yield { tokenUsage: reply.tokenUsage! };
      return;
    }
    const filter = new StopSequenceFilter(options.stopSequences ?? this.defaultOptions.stopSequences);
    const chunks = new EventChannel<string>();
    const stopped = new AbortController();
    const done = this.call(messages, options, { onText: (text) => chunks.push(text), stop: stopped.signal }).then(
      (result) => {
        chunks.close();
        return result;
      },
      (error: unknown) => {
        chunks.fail(error);
        throw error;
      },
    );
    // The error reaches the consumer through the channel; this only keeps it from being unhandled.
    done.catch(() => {});
    try {
      for await (const chunk of chunks) {
        const step = filter.push(chunk);
        if (step.text !== "") yield { content: step.text };
        if (step.stopped) {
          stopped.abort();
          break;
        }
      }
      const result = await done;
      const rest = filter.flush();
      if (rest !== "") yield { content: rest };
      yield { tokenUsage: result.usage };
    } finally {
      // A consumer that leaves early stops the generation; the next call waits for it to end.
      stopped.abort();
      await done.catch(() => {});
    }
  }

  /** Frees the model's memory, once the calls under way have ended. Later calls are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const loading = this.loading;
    this.loading = undefined;
    if (loading === undefined) return;
    const loaded = await loading.catch(() => undefined);
    if (loaded === undefined) return;
    loaded.chat.dispose();
    await loaded.context.dispose();
    await loaded.model.dispose();
  }

  /** Runs one generation when the calls before it have finished. */
  private async call(messages: ChatMessage[], options: GenerateOptions, stream: { onText: (text: string) => void; stop: AbortSignal } | undefined): Promise<CallResult> {
    options.signal?.throwIfAborted();
    refuseTools(options);
    const previous = this.queue;
    let finished!: () => void;
    const mine = new Promise<void>((resolve) => (finished = resolve));
    this.queue = previous.then(() => mine);
    try {
      await abortable(previous, options.signal);
      if (this.closed) throw new AgentConfigurationError(`The model ${this.modelId} was closed; make a new LlamaCppModel to use it again.`);
      const loaded = await abortable(this.loaded(), options.signal);
      return await this.run(loaded, messages, options, stream);
    } finally {
      finished();
    }
  }

  private async run(loaded: LoadedModel, messages: ChatMessage[], options: GenerateOptions, stream: { onText: (text: string) => void; stop: AbortSignal } | undefined): Promise<CallResult> {
    const tools = mustCallTool(options) ? options.tools! : undefined;
    const history = toLlamaChatHistory(tools ? withToolInstructions(messages, tools) : messages);
    const format: ResponseFormat | undefined = tools
      ? { type: "json_schema", name: "tool_call", schema: toolCallSchema(tools) }
      : (options.responseFormat ?? this.defaultOptions.responseFormat);
    const grammar = await this.grammarFor(loaded, format);
    // A stop sequence inside a tool call's arguments would cut its JSON.
    const stopSequences = tools ? [] : (options.stopSequences ?? this.defaultOptions.stopSequences ?? []).filter((stop) => stop !== "");
    const temperature = options.temperature ?? this.defaultOptions.temperature;
    const maxTokens = options.maxTokens ?? this.defaultOptions.maxTokens;
    // One signal ends the generation for both the caller's abort and a stream stopped early; with
    // stopOnAbortSignal llama.cpp then returns what it wrote instead of throwing.
    const halt = new AbortController();
    const follow = (signal: AbortSignal | undefined) => {
      if (signal === undefined) return () => {};
      const onAbort = () => halt.abort(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
      return () => signal.removeEventListener("abort", onAbort);
    };
    const unfollow = [follow(options.signal), follow(stream?.stop)];
    const inputTokens = promptTokens(loaded, history);
    const contextSize = loaded.context.contextSize;
    // llama.cpp would make room by dropping the oldest turns, the task among them, without a word.
    if (inputTokens >= contextSize) {
      throw new ModelCallError(
        `The conversation is ${inputTokens} tokens, which leaves no room for a reply in ${this.modelId}'s context of ${contextSize} tokens. Give LlamaCppModel a larger contextSize (the model was trained with ${loaded.model.trainContextSize}), or send less.`,
        { option: "contextSize" },
      );
    }
    const before = loaded.sequence.tokenMeter.getState();
    try {
      const response = await loaded.chat.generateResponse(history, {
        signal: halt.signal,
        stopOnAbortSignal: true,
        ...(stream ? { onTextChunk: stream.onText } : {}),
        ...(grammar ? { grammar } : {}),
        ...(stopSequences.length ? { customStopTriggers: stopSequences } : {}),
        ...(temperature !== undefined ? { temperature } : {}),
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        ...(this.options.seed !== undefined ? { seed: this.options.seed } : {}),
      });
      options.signal?.throwIfAborted();
      const used = loaded.sequence.tokenMeter.diff(before);
      return { text: response.response, usage: { inputTokens, outputTokens: used.usedOutputTokens } };
    } catch (error) {
      options.signal?.throwIfAborted();
      if (error instanceof ModelCallError) throw error;
      throw new ModelCallError(`llama.cpp failed while generating with ${this.modelId}: ${errorMessage(error)}`, { cause: error });
    } finally {
      for (const release of unfollow) release();
    }
  }

  /** The grammar that enforces `format`, made once per schema; none for plain text. */
  private async grammarFor(loaded: LoadedModel, format: ResponseFormat | undefined): Promise<LlamaGrammar | undefined> {
    if (format === undefined || format.type === "text") return undefined;
    const key = format.type === "json_schema" ? JSON.stringify(format.schema) : "json";
    let grammar = loaded.grammars.get(key);
    if (grammar === undefined) {
      grammar =
        format.type === "json_schema"
          ? // A schema the grammar builder cannot express (it knows a subset of JSON Schema) still gets JSON.
            loaded.llama.createGrammarForJsonSchema(format.schema as never).catch(() => loaded.llama.getGrammarFor("json"))
          : loaded.llama.getGrammarFor("json");
      loaded.grammars.set(key, grammar);
    }
    return grammar;
  }

  /** The loaded model, loading it on first use. */
  private loaded(): Promise<LoadedModel> {
    this.loading ??= this.loadModel().catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  private async loadModel(): Promise<LoadedModel> {
    checkModelFile(this.modelPath);
    const nodeLlamaCpp = await loadNodeLlamaCpp();
    const llama = await runtime(nodeLlamaCpp, this.options.gpu ?? false);
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: this.modelPath, ...(this.options.gpu ? {} : { gpuLayers: 0 }) });
    } catch (error) {
      throw new AgentConfigurationError(
        `llama.cpp could not load the model file ${this.modelPath}: ${errorMessage(error)}. Check that it is a whole GGUF file (a download cut short is not) of an architecture this node-llama-cpp version supports.`,
        { cause: error },
      );
    }
    try {
      const contextSize = this.options.contextSize ?? Math.min(model.trainContextSize, DEFAULT_MAX_CONTEXT_SIZE);
      const context = await model.createContext({ contextSize, sequences: 1, ...(this.options.threads !== undefined ? { threads: this.options.threads } : {}) });
      const sequence = context.getSequence();
      const chat = new nodeLlamaCpp.LlamaChat({ contextSequence: sequence });
      this.loadedContextSize = context.contextSize;
      return { llama, model, context, sequence, chat, grammars: new Map() };
    } catch (error) {
      await model.dispose();
      throw new AgentConfigurationError(
        `llama.cpp could not make a context for ${this.modelPath}: ${errorMessage(error)}. A smaller contextSize needs less memory.`,
        { cause: error },
      );
    }
  }
}

/** Tools the model may call or not (`toolChoice: "auto"`) are not supported: say so rather than let them go unseen. */
function refuseTools(options: GenerateOptions): void {
  if (!options.tools?.length || options.toolChoice === "none" || options.toolChoice === "required") return;
  throw new AgentConfigurationError(
    `LlamaCppModel calls tools only when a call must call one (toolChoice: "required", as ToolCallingAgent asks), and this call passed tools with toolChoice: ${JSON.stringify(options.toolChoice ?? "auto")}. Pass toolChoice: "required", give ToolCallingAgent nativeToolCalling: false (tools described in the prompt, called in JSON text), use a CodeAgent, or serve the model with llama.cpp's server (llama-server --jinja) and use OpenAIModel with its baseURL.`,
  );
}

/** A clear error for a model file that is not there, before llama.cpp reports it less clearly. */
function checkModelFile(path: string): void {
  if (!existsSync(path)) {
    throw new AgentConfigurationError(`There is no model file at ${path}. Give LlamaCppModel the path of a GGUF file, or fetch one with downloadGguf (gguf:hf:<repo>/<file> on the command line).`);
  }
  if (!statSync(path).isFile()) throw new AgentConfigurationError(`${path} is not a file. Give LlamaCppModel the path of a GGUF model file.`);
}

/** The llama.cpp runtime for a GPU choice, loaded once per process. Nothing is built or downloaded. */
function runtime(nodeLlamaCpp: NodeLlamaCppModule, gpu: LlamaCppGpu): Promise<Llama> {
  const key = String(gpu);
  let llama = runtimes.get(key);
  if (llama === undefined) {
    llama = nodeLlamaCpp
      .getLlama({ gpu: gpu === true ? "auto" : gpu, build: "never", logLevel: nodeLlamaCpp.LlamaLogLevel.error, progressLogs: false })
      .catch((error: unknown) => {
        runtimes.delete(key);
        throw new AgentConfigurationError(
          `node-llama-cpp has no usable prebuilt llama.cpp binary for gpu: ${String(gpu)} on this machine: ${errorMessage(error)}. Try gpu: false, or build one with npx --no node-llama-cpp source download.`,
          { cause: error },
        );
      });
    runtimes.set(key, llama);
  }
  return llama;
}

/** Tokens of the prompt as the model's chat template renders it, counted by the model's tokenizer. */
function promptTokens(loaded: LoadedModel, history: ChatHistoryItem[]): number {
  const state = loaded.chat.chatWrapper.generateContextState({ chatHistory: history });
  return state.contextText.tokenize(loaded.model.tokenizer).length;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
