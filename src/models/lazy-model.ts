/**
 * A model whose adapter is made on first use, for model strings whose adapter must be loaded or
 * prepared asynchronously (a local GGUF file, possibly downloaded first; an AI SDK provider package):
 * `modelFromString` stays synchronous, and preparing happens once, on the first call.
 */
import type { ChatMessage, ChatMessageStreamDelta, GenerateOptions, Model } from "./model.js";

/** A {@link Model} made by `load` on its first call; see the module comment. */
export class LazyModel implements Model {
  private loading: Promise<Model> | undefined;

  constructor(
    readonly modelId: string,
    private readonly load: () => Promise<Model>,
    readonly contextWindow?: number,
  ) {}

  /** The adapter, made on the first call (a failure is retried on the next one). */
  resolve(): Promise<Model> {
    this.loading ??= this.load().catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  async generate(messages: ChatMessage[], options?: GenerateOptions): Promise<ChatMessage> {
    options?.signal?.throwIfAborted();
    return (await this.resolve()).generate(messages, options);
  }

  async *generateStream(messages: ChatMessage[], options?: GenerateOptions): AsyncIterable<ChatMessageStreamDelta> {
    options?.signal?.throwIfAborted();
    const model = await this.resolve();
    if (model.generateStream) {
      yield* model.generateStream(messages, options);
      return;
    }
    const reply = await model.generate(messages, options);
    yield { content: typeof reply.content === "string" ? reply.content : "", ...(reply.tokenUsage ? { tokenUsage: reply.tokenUsage } : {}) };
  }
}
