/**
 * What the `@anthropic-ai/sdk` throws, turned into codeagent errors: {@link ModelCallError} with
 * the HTTP status and whether retrying later could help, or the abort reason when the caller aborted.
 */
import { AgentError, ModelCallError } from "../../errors.js";
import type { AnthropicSdk, SdkApiError } from "./anthropic-sdk.js";
import { retryAdvice } from "../retrying-call.js";

/** What an error message about a failed call can name. */
export interface AnthropicCallContext {
  sdk: AnthropicSdk;
  baseURL: string;
  modelId: string;
  timeoutMs: number;
  maxRetries: number;
  signal: AbortSignal | undefined;
  /** Whether some of the reply had arrived: a failed connection then broke mid-reply, it did not fail to reach the API. */
  replyStarted?: boolean;
}

/** Error types of the API (also sent inside a stream) that trying again later can fix. */
const RETRYABLE_TYPES = new Set(["overloaded_error", "api_error", "rate_limit_error", "timeout_error"]);

/**
 * The error to throw for `error`, raised by an SDK call or while reading its stream: the signal's
 * reason when the caller aborted, codeagent errors as they are, anything else as a {@link ModelCallError}.
 */
export function toModelCallError(error: unknown, context: AnthropicCallContext): unknown {
  const { sdk } = context;
  if (context.signal?.aborted) return context.signal.reason;
  if (error instanceof sdk.APIUserAbortError) return new DOMException("The model call was aborted.", "AbortError");
  if (AgentError.isInstance(error)) return error;
  const server = `the Anthropic API at ${context.baseURL}`;
  const retries = context.maxRetries === 0 ? "" : context.maxRetries === 1 ? " after 1 retry" : ` after ${context.maxRetries} retries`;
  if (error instanceof sdk.APIConnectionTimeoutError) {
    return new ModelCallError(`No response from ${server} within ${context.timeoutMs} ms${retries}. Raise \`timeoutMs\`, or try again later.`, {
      retryable: true,
      option: "timeoutMs",
      cause: error,
    });
  }
  if (error instanceof sdk.APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.cause instanceof Error ? error.cause.cause.message : error.cause.message}` : "";
    if (context.replyStarted) return brokenReplyError(server, cause || `: ${error.message}`, error);
    return new ModelCallError(`Could not reach ${server}${retries}${cause}. Check your network and the \`baseURL\` option (or ANTHROPIC_BASE_URL).`, {
      retryable: true,
      option: "baseURL",
      cause: error,
    });
  }
  if (error instanceof sdk.APIError) return fromApiError(error, server, retries, context.modelId);
  if (error instanceof SyntaxError) {
    return new ModelCallError(`${capitalise(server)} sent a reply that is not valid JSON: ${error.message}. Is \`baseURL\` the Anthropic API (e.g. https://api.anthropic.com)?`, {
      option: "baseURL",
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message + (error.cause instanceof Error ? ` (${error.cause.message})` : "") : String(error);
  return brokenReplyError(server, `: ${message}`, error);
}

/** The connection failed after the reply had started: the API was reached, so the address is not in doubt. */
function brokenReplyError(server: string, reason: string, cause: unknown): ModelCallError {
  return new ModelCallError(`The connection to ${server} broke while reading its reply${reason}. Trying again may work.`, { retryable: true, cause });
}

/** The error for a successful answer that is not a Messages API reply (an HTML page, unrelated JSON). */
export function notMessagesReplyError(baseURL: string, contentType: string | null, streaming: boolean): ModelCallError {
  const type = contentType?.split(";")[0]?.trim();
  const body = type ? `a "${type}" body` : "a body without a content type";
  return new ModelCallError(
    `The server at ${baseURL} answered with ${body}, which is not a Messages API ${streaming ? "stream" : "reply"}. ` +
      "Check the `baseURL` option (or ANTHROPIC_BASE_URL): it must be the Anthropic API or a server speaking its protocol, e.g. https://api.anthropic.com, without /v1.",
    { option: "baseURL" },
  );
}

/** The server's own words about an error: `error.message` of its body, else the SDK's message. */
export function apiErrorMessage(error: SdkApiError): string {
  const body = error.error as { error?: { message?: unknown }; message?: unknown } | undefined;
  const message = body?.error?.message ?? body?.message;
  if (typeof message === "string" && message !== "") return message;
  return error.message.replace(/^\d{3}\s+/, "") || "no details given";
}

function errorType(error: SdkApiError): string | undefined {
  const type = (error.error as { error?: { type?: unknown } } | undefined)?.error?.type;
  return typeof type === "string" ? type : undefined;
}

function fromApiError(error: SdkApiError, server: string, retries: string, modelId: string): ModelCallError {
  const status = error.status;
  const detail = apiErrorMessage(error);
  if (status === undefined) {
    // An `error` event inside a stream: the API's error type says whether trying again helps.
    const type = errorType(error);
    return new ModelCallError(`${capitalise(server)} reported an error in its stream${type ? ` (${type})` : ""}: ${detail}.`, {
      retryable: type !== undefined && RETRYABLE_TYPES.has(type),
      cause: error,
    });
  }
  const { retryable, longWait } = retryAdvice(status, error.headers);
  const { advice, option } = statusAdvice(status, retryable, detail, retries, modelId);
  return new ModelCallError(`${capitalise(server)} answered ${status}: ${detail}. ${longWait}${advice}`.trim(), { status, retryable, cause: error, ...(option ? { option } : {}) });
}

function statusAdvice(status: number, retryable: boolean, detail: string, retries: string, modelId: string): { advice: string; option?: string } {
  if (status === 401 || status === 403) return { advice: "Check the `apiKey` option or the ANTHROPIC_API_KEY environment variable.", option: "apiKey" };
  if (status === 404 && /model/i.test(detail)) return { advice: `Check the model id "${modelId}", e.g. claude-sonnet-4-5.`, option: "modelId" };
  if (status === 404) return { advice: "Check the `baseURL` option: it is the API's origin, e.g. https://api.anthropic.com, without /v1.", option: "baseURL" };
  if (status === 429) return { advice: `It was rate-limited${retries}. Wait and try again, make fewer calls at once (\`requestsPerMinute\`), or raise \`maxRetries\`.`, option: "maxRetries" };
  if (retryable) {
    return { advice: `${retries ? `It still failed${retries}. ` : ""}The API may be overloaded: try again later, or raise \`maxRetries\`.`, option: "maxRetries" };
  }
  if (/max_tokens/.test(detail)) return { advice: "Set `maxTokens` within the model's limit (and above the thinking budget).", option: "maxTokens" };
  return { advice: "" };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
