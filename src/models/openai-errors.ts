/**
 * What the `openai` SDK throws, turned into codeagent errors: {@link ModelCallError} with the HTTP
 * status and whether retrying later could help, or the abort reason when the caller aborted.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";

import { AgentError, ModelCallError } from "../errors.js";

/** What an error message about a failed call can name. */
export interface OpenAICallContext {
  baseURL: string;
  modelId: string;
  timeoutMs: number;
  maxRetries: number;
  signal: AbortSignal | undefined;
}

/** HTTP statuses worth retrying later, as the SDK retries them: timeouts, conflicts, rate limits, server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
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
      { retryable: true, cause: error },
    );
  }
  if (error instanceof APIConnectionError) {
    const reason = describeCause(error);
    return new ModelCallError(
      `Could not reach ${server}${retries}${reason}. Check the \`baseURL\` option and that the server is running.`,
      { retryable: true, cause: error },
    );
  }
  if (error instanceof APIError) return fromStatusError(error, server, retries, context.modelId);
  if (error instanceof SyntaxError) {
    return new ModelCallError(`${capitalise(server)} sent a reply that is not valid JSON: ${error.message}. Is \`baseURL\` an OpenAI-compatible endpoint (it usually ends in /v1)?`, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message + (error.cause instanceof Error ? ` (${error.cause.message})` : "") : String(error);
  return new ModelCallError(`The connection to ${server} broke while reading its reply: ${message}. Trying again may work.`, {
    retryable: true,
    cause: error,
  });
}

function fromStatusError(error: APIError, server: string, retries: string, modelId: string): ModelCallError {
  const status = error.status;
  const detail = serverMessage(error);
  if (status === undefined) {
    return new ModelCallError(`${capitalise(server)} reported an error in its stream: ${detail}.`, { cause: error });
  }
  // The server may say whether retrying helps; the SDK obeys the same header.
  const shouldRetry = error.headers?.get("x-should-retry");
  const retryable = shouldRetry === "true" ? true : shouldRetry === "false" ? false : isRetryableStatus(status);
  let advice: string;
  if (status === 401 || status === 403) advice = "Check the `apiKey` option or the OPENAI_API_KEY environment variable.";
  else if (status === 404) advice = `Check the model id "${modelId}" and the \`baseURL\` (it usually ends in /v1).`;
  else if (status === 429) advice = `It was rate-limited${retries}. Wait and try again, make fewer calls at once, or raise \`maxRetries\`.`;
  else if (retryable) advice = `${retries ? `It still failed${retries}. ` : ""}The server may be overloaded: try again later, or raise \`maxRetries\`.`;
  else advice = requestAdvice(detail);
  return new ModelCallError(`${capitalise(server)} answered ${status}: ${detail}. ${advice}`.trim(), { status, retryable, cause: error });
}

/** Hints for the parameters some models reject. */
function requestAdvice(detail: string): string {
  if (/\bstop\b/i.test(detail)) return "If this model does not accept stop sequences, create the OpenAIModel with `supportsStop: false`.";
  if (/max_tokens/.test(detail)) return "If this model wants `max_completion_tokens`, create the OpenAIModel with `maxTokensParameter: \"max_completion_tokens\"`.";
  return "";
}

function serverMessage(error: APIError): string {
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
