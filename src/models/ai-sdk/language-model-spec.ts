/**
 * The few shapes of the AI SDK's language model specification (`@ai-sdk/provider`) that
 * {@link AiSdkModel} speaks, declared here so that codeagent's public types never mention the
 * SDK's: versions v2 (providers for `ai` 5) and v3 (providers for `ai` 6). The two agree on the
 * prompt, the tools and the stream parts used here; they differ in the usage and finish reason.
 */

/**
 * A language model of the Vercel AI SDK, as every provider package makes one
 * (`google("gemini-2.0-flash")`, `createOpenAICompatible({...}).chatModel("...")`, ...). Only
 * what {@link AiSdkModel} checks is spelled out: the options and results of `doGenerate` and
 * `doStream` are the specification's, which the wrapper reads and writes itself.
 */
export interface AiSdkLanguageModel {
  /** `"v3"` for providers made for `ai` 6, `"v2"` for `ai` 5; others are refused. */
  readonly specificationVersion: string;
  /** The provider's name, e.g. `google.generative-ai`. */
  readonly provider: string;
  readonly modelId: string;
  doGenerate(options: never): PromiseLike<unknown>;
  doStream(options: never): PromiseLike<unknown>;
}

/** The specification versions {@link AiSdkModel} speaks. */
export const SUPPORTED_SPECIFICATION_VERSIONS = ["v2", "v3"] as const;

/** Text in a message or a reply. */
export interface SpecTextPart {
  type: "text";
  text: string;
}

/** A file (here: an image) in a user message: a URL, base64 text, or bytes. */
export interface SpecFilePart {
  type: "file";
  data: URL | string | Uint8Array;
  mediaType: string;
}

/** A tool call in an assistant message sent back to the model; `input` is the parsed arguments. */
export interface SpecToolCallPart {
  type: "tool-call";
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** A tool's result, answering the call with the same id. */
export interface SpecToolResultPart {
  type: "tool-result";
  toolCallId: string;
  toolName: string;
  output: { type: "text"; value: string };
}

/** One message of the prompt. */
export type SpecMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: (SpecTextPart | SpecFilePart)[] }
  | { role: "assistant"; content: (SpecTextPart | SpecToolCallPart)[] }
  | { role: "tool"; content: SpecToolResultPart[] };

/** A tool offered to the model, with its JSON schema. */
export interface SpecFunctionTool {
  type: "function";
  name: string;
  description?: string;
  inputSchema: object;
}

/** The options of one `doGenerate` or `doStream` call. */
export interface SpecCallOptions {
  prompt: SpecMessage[];
  maxOutputTokens?: number;
  temperature?: number;
  stopSequences?: string[];
  responseFormat?: { type: "text" } | { type: "json"; schema?: object; name?: string };
  tools?: SpecFunctionTool[];
  toolChoice?: { type: "auto" | "none" | "required" };
  abortSignal?: AbortSignal;
  headers?: Record<string, string | undefined>;
  providerOptions?: Record<string, Record<string, unknown>>;
}

/** Token usage in v3: nested counts, any of which may be missing. */
export interface SpecUsageV3 {
  inputTokens: { total?: number | undefined; noCache?: number | undefined; cacheRead?: number | undefined; cacheWrite?: number | undefined };
  outputTokens: { total?: number | undefined; text?: number | undefined; reasoning?: number | undefined };
}

/** Token usage in v2: flat counts. */
export interface SpecUsageV2 {
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  cachedInputTokens?: number | undefined;
}

/** Token usage of either version. */
export type SpecUsage = SpecUsageV3 | SpecUsageV2;

/** v3: `{ unified, raw }`; v2: the unified reason as a string. */
export type SpecFinishReason = string | { unified: string; raw: string | undefined };

/** A tool call the model made; `input` is JSON text. Provider-executed calls are the provider's own business. */
export interface SpecToolCall {
  type: "tool-call";
  toolCallId: string;
  toolName: string;
  input: unknown;
  providerExecuted?: boolean;
}

/** Content of a reply: text and tool calls are read, the rest (reasoning, sources, files) left out. */
export type SpecContent = SpecTextPart | SpecToolCall | { type: "reasoning" | "file" | "source" | "tool-result" | "tool-approval-request" };

/** What `doGenerate` resolves to. */
export interface SpecGenerateResult {
  content: SpecContent[];
  usage?: SpecUsage;
  finishReason?: SpecFinishReason;
}

/** A part of the stream `doStream` returns: text and tool-input deltas, whole tool calls, the finish with the usage, errors; the rest is skipped. */
export type SpecStreamPart =
  | { type: "text-delta"; id: string; delta: string }
  | { type: "tool-input-start"; id: string; toolName: string; providerExecuted?: boolean }
  | { type: "tool-input-delta"; id: string; delta: string }
  | SpecToolCall
  | { type: "finish"; usage?: SpecUsage; finishReason?: SpecFinishReason }
  | { type: "error"; error: unknown }
  | { type: "text-start" | "text-end" | "reasoning-start" | "reasoning-delta" | "reasoning-end" | "tool-input-end" | "stream-start" | "response-metadata" | "raw" | "source" | "file" | "tool-result" | "tool-approval-request" };

/** What `doStream` resolves to. */
export interface SpecStreamResult {
  stream: ReadableStream<SpecStreamPart>;
}

/** The language model as {@link AiSdkModel} calls it, once its version is checked. */
export interface SpecLanguageModel {
  readonly specificationVersion: (typeof SUPPORTED_SPECIFICATION_VERSIONS)[number];
  readonly provider: string;
  readonly modelId: string;
  /** Media type patterns (`image/*`) to the URLs the provider fetches itself; other URLs are downloaded first. */
  readonly supportedUrls?: PromiseLike<Record<string, RegExp[]>> | Record<string, RegExp[]>;
  doGenerate(options: SpecCallOptions): PromiseLike<SpecGenerateResult>;
  doStream(options: SpecCallOptions): PromiseLike<SpecStreamResult>;
}
