/**
 * The `@anthropic-ai/sdk` package behind an {@link AnthropicModel}: an optional peer dependency,
 * loaded the first time a model call needs it, so importing codeagent never loads it. Only the
 * few parts used here are typed, by hand, so codeagent's typings never mention the SDK's.
 */
import { importOptional, type OptionalPackage } from "../../executors/import-optional.js";
import type { MessagesReply, MessagesRequest, StreamEvent } from "./anthropic-wire.js";

/** The package, and the line that installs it. */
export const ANTHROPIC_PACKAGE: OptionalPackage = {
  specifier: "@anthropic-ai/sdk",
  installCommand: "npm install @anthropic-ai/sdk",
  purpose: "AnthropicModel",
};

/** What an SDK error carries that codeagent reads. */
export interface SdkApiError extends Error {
  status: number | undefined;
  headers: { get(name: string): string | null } | undefined;
  /** The JSON body of the error response, `{ type: "error", error: { type, message } }`. */
  error: unknown;
}

type ErrorClass<E extends Error = Error> = abstract new (...args: never[]) => E;

/** What a `create` call returns: a promise that can also give the raw response. */
export interface SdkApiPromise<T> extends PromiseLike<T> {
  withResponse(): Promise<{ data: T; response: Response }>;
}

/** Per-request options of the SDK. */
export interface SdkRequestOptions {
  signal?: AbortSignal | undefined;
}

/** The part of the SDK client that is used. */
export interface AnthropicClient {
  messages: {
    create(body: MessagesRequest & { stream: false }, options: SdkRequestOptions): SdkApiPromise<MessagesReply | string>;
    create(body: MessagesRequest & { stream: true }, options: SdkRequestOptions): SdkApiPromise<AsyncIterable<StreamEvent>>;
  };
}

/** Options of the SDK client, as far as they are set here. */
export interface AnthropicClientOptions {
  apiKey?: string;
  authToken?: string;
  baseURL: string;
  timeout: number;
  maxRetries: number;
  defaultHeaders?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  logLevel?: "off";
}

/** The module's exports that are used. */
export interface AnthropicSdk {
  default: new (options: AnthropicClientOptions) => AnthropicClient;
  APIError: ErrorClass<SdkApiError>;
  APIConnectionError: ErrorClass<SdkApiError>;
  APIConnectionTimeoutError: ErrorClass<SdkApiError>;
  APIUserAbortError: ErrorClass<SdkApiError>;
}

/** Loads the SDK; a missing package is a `MissingPackageError` with the install line. */
export function loadAnthropicSdk(): Promise<AnthropicSdk> {
  return importOptional<AnthropicSdk>(ANTHROPIC_PACKAGE);
}
