/**
 * What the `openai` SDK throws, turned into codeagent errors: {@link ModelCallError} with the HTTP
 * status and whether retrying later could help, or the abort reason when the caller aborted.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";

import { AgentError, ModelCallError } from "../../errors.js";
import { retryAdvice } from "../retrying-call.js";

/** What an error message about a failed call can name. */
export interface OpenAICallContext {
  baseURL: string;
  modelId: string;
  timeoutMs: number;
  maxRetries: number;
  signal: AbortSignal | undefined;
}

/**
 * The error to throw for `error`, raised by an SDK call or while reading its stream: the signal's
 * reason when the caller aborted, codeagent errors as they are, anything else as a
 * {@link ModelCallError}.
 */
export function toModelCallError(error: unknown, context: OpenAICallContext): unknown {
  if (context.signal?.aborted) return context.signal.reason;
  if (error instanceof APIUserAbortError) return new DOMException("The model call was aborted.", "AbortError");
  if (AgentError.isInstance(error)) return error;
  const server = `the model server at ${context.baseURL}`;
  const retries = context.maxRetries === 0 ? "" : context.maxRetries === 1 ? " after 1 retry" : ` after ${context.maxRetries} retries`;
  if (error instanceof APIConnectionTimeoutError) {
    return new ModelCallError(
      `No response from ${server} within ${context.timeoutMs} ms${retries}. Raise \`timeoutMs\`, or check that the server is up and not overloaded.`,
      { retryable: true, option: "timeoutMs", cause: error },
    );
  }
  if (error instanceof APIConnectionError) {
    const reason = describeCause(error);
    return new ModelCallError(
      `Could not reach ${server}${retries}${reason}. Check the \`baseURL\` option and that the server is running.`,
      { retryable: true, option: "baseURL", cause: error },
    );
  }
  if (error instanceof APIError) return fromStatusError(error, server, retries, context.modelId);
  if (error instanceof SyntaxError) {
    return new ModelCallError(`${capitalise(server)} sent a reply that is not valid JSON: ${error.message}. Is \`baseURL\` an OpenAI-compatible endpoint (it usually ends in /v1)?`, {
      option: "baseURL",
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message + (error.cause instanceof Error ? ` (${error.cause.message})` : "") : String(error);
  return new ModelCallError(`The connection to ${server} broke while reading its reply: ${message}. Trying again may work.`, {
    retryable: true,
    cause: error,
  });
}

/**
 * The error for a successful answer that is not a chat completion (an HTML page, unrelated JSON):
 * the base URL points at a web UI or another API. Retrying would get the same answer.
 */
export function notChatCompletionError(baseURL: string, contentType: string | null, streaming: boolean): ModelCallError {
  const type = contentType?.split(";")[0]?.trim();
  const body = type ? `a "${type}" body` : "a body without a content type";
  return new ModelCallError(
    `The model server at ${baseURL} answered with ${body}, which is not a chat-completions ${streaming ? "stream" : "reply"}. ` +
      "Check the `baseURL` option: it must be an OpenAI-compatible API, which usually ends in /v1 (e.g. http://localhost:11434/v1), not a web page.",
    { option: "baseURL" },
  );
}

function fromStatusError(error: APIError, server: string, retries: string, modelId: string): ModelCallError {
  const status = error.status;
  const detail = serverMessage(error);
  if (status === undefined) {
    return new ModelCallError(`${capitalise(server)} reported an error in its stream: ${detail}.`, { cause: error });
  }
  // The server may say whether retrying helps; the SDK obeys the same header.
  const { retryable, longWait } = retryAdvice(status, error.headers);
  const { advice, option } = statusAdvice(status, retryable, detail, retries, modelId);
  return new ModelCallError(`${capitalise(server)} answered ${status}: ${detail}. ${longWait}${advice}`.trim(), { status, retryable, cause: error, ...(option ? { option } : {}) });
}

/** What to do about an HTTP error, and the option that does it. */
function statusAdvice(status: number, retryable: boolean, detail: string, retries: string, modelId: string): { advice: string; option?: string } {
  if (status === 401 || status === 403) return { advice: "Check the `apiKey` option or the OPENAI_API_KEY environment variable.", option: "apiKey" };
  if (status === 404 && /model/i.test(detail)) {
    return { advice: `Check the model id "${modelId}" and the \`baseURL\` (it usually ends in /v1).`, option: "modelId" };
  }
  if (status === 404) return { advice: "Check the `baseURL` option: an OpenAI-compatible API usually ends in /v1.", option: "baseURL" };
  if (status === 429) return { advice: `It was rate-limited${retries}. Wait and try again, make fewer calls at once, or raise \`maxRetries\`.`, option: "maxRetries" };
  if (retryable) {
    return { advice: `${retries ? `It still failed${retries}. ` : ""}The server may be overloaded: try again later, or raise \`maxRetries\`.`, option: "maxRetries" };
  }
  return requestAdvice(detail);
}

/** Hints for the parameters some models reject. */
function requestAdvice(detail: string): { advice: string; option?: string } {
  if (/\bstop\b/i.test(detail)) return { advice: "If this model does not accept stop sequences, create the OpenAIModel with `supportsStop: false`.", option: "supportsStop" };
  if (/max_tokens/.test(detail)) {
    return { advice: 'If this model wants `max_completion_tokens`, create the OpenAIModel with `maxTokensParameter: "max_completion_tokens"`.', option: "maxTokensParameter" };
  }
  return { advice: "" };
}

/** The server's own words about an error. */
export function serverMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (typeof body?.message === "string" && body.message !== "") return body.message;
  return error.message.replace(/^\d{3}\s+/, "") || "no details given";
}

function describeCause(error: APIConnectionError): string {
  const cause = error.cause instanceof Error ? error.cause : undefined;
  if (cause === undefined) return "";
  const inner = cause.cause instanceof Error ? cause.cause.message : undefined;
  return `: ${inner ?? cause.message}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
