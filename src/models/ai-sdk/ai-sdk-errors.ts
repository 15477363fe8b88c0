/**
 * What a provider of the AI SDK specification throws, turned into codeagent errors. Providers
 * throw the specification's `APICallError` for HTTP failures (with `statusCode`, `isRetryable`
 * and the response headers) and other `AI_*` errors for what they cannot do; they are told apart
 * by the markers the SDK sets, so no SDK code is loaded here.
 */
import { AgentError, MissingCredentialsError, ModelCallError } from "../../errors.js";
import { errorReportMessage, isRetryableErrorReport } from "../error-report.js";
import type { AttemptFailure } from "../retrying-call.js";
import { retryAfterMs } from "../retrying-call.js";

/** The fields of the specification's `APICallError` read here. */
interface ApiCallErrorFields extends Error {
  url?: string;
  statusCode?: number;
  isRetryable?: boolean;
  responseHeaders?: Record<string, string>;
  responseBody?: string;
}

/** What an error message about a failed call can name. */
export interface AiSdkCallContext {
  /** E.g. `the google.generative-ai model "gemini-2.0-flash"`. */
  subject: string;
  /** The environment variable (or other place) holding the provider's key. */
  credentialName: string;
  timeoutMs: number;
  maxRetries: number;
  /** Whether some of a streamed reply had arrived: a failed read then broke the reply, the address is not in doubt. */
  replyStarted?: boolean;
  /** Whether the error came in an `error` part of the stream: the provider's report, not a failed read. */
  reportedInStream?: boolean;
}

/** Whether `error` is one the AI SDK made, of the given name (`AI_APICallError`, ...). */
function isSdkError(error: unknown, name: string): error is Error {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[Symbol.for(`vercel.ai.error.${name}`)] === true;
}

/** Whether `error` is the specification's `APICallError`: an HTTP call that failed or answered what could not be read. */
export function isApiCallError(error: unknown): error is ApiCallErrorFields {
  return isSdkError(error, "AI_APICallError");
}

/** How {@link callWithRetries} should treat an attempt's error: as the provider classified it, after its `Retry-After`. */
export function classifyAttemptError(error: unknown): AttemptFailure {
  if (!isApiCallError(error)) return { retryable: false };
  const failure: AttemptFailure = { retryable: error.isRetryable === true };
  const headers = error.responseHeaders;
  const wait = retryAfterMs({ get: (name) => headerValue(headers, name) });
  if (wait !== undefined) failure.retryAfterMs = wait;
  return failure;
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | null {
  if (headers === undefined) return null;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return null;
}

/**
 * Whether the server rejected stop sequences the request carried: a 400 (or a validating proxy's
 * 422) naming them. The call is then sent again without them, and they are cut on our side.
 */
export function rejectsStopSequences(error: unknown): boolean {
  if (!isApiCallError(error) || (error.statusCode !== 400 && error.statusCode !== 422)) return false;
  return /\bstop\b|stop_?sequences|stopSequences/i.test(`${error.message} ${error.responseBody ?? ""}`);
}

/** The error for a call whose every attempt ran out of time. */
export function timeoutError(context: AiSdkCallContext): ModelCallError {
  return new ModelCallError(
    `No response from ${context.subject} within ${context.timeoutMs} ms${retriesText(context.maxRetries)}. Raise \`timeoutMs\`, or check that the provider is up and not overloaded.`,
    { retryable: true, option: "timeoutMs" },
  );
}

/** The error to throw for `error`, raised by a provider's call or while reading its stream. */
export function toModelCallError(error: unknown, context: AiSdkCallContext): unknown {
  if (AgentError.isInstance(error)) return error;
  if (isSdkError(error, "AI_LoadAPIKeyError") || isSdkError(error, "AI_LoadSettingError")) {
    return new MissingCredentialsError([context.credentialName], `${capitalise(context.subject)} cannot be called: ${error.message}`);
  }
  if (isApiCallError(error)) return fromApiCallError(error, context);
  // Providers put what the API sent in an `error` part as it came, often a plain object.
  const message = errorReportMessage(error);
  if (context.replyStarted && !context.reportedInStream) return brokenReplyError(context, message, error);
  const kind = error instanceof Error && error.name.startsWith("AI_") ? ` (${error.name.slice(3)})` : "";
  const retryable = isRetryableErrorReport(error);
  return new ModelCallError(`The call to ${context.subject} failed${kind}: ${message}${retryable ? ". Trying again may work." : ""}`, { retryable, cause: error });
}

/** The connection failed while the reply was being read: trying again may work, and the address was right. */
function brokenReplyError(context: AiSdkCallContext, reason: string, cause: unknown): ModelCallError {
  return new ModelCallError(`The connection to ${context.subject} broke while reading its reply: ${reason}. Trying again may work.`, { retryable: true, cause });
}

/** Whether a failure of a successful answer is the connection's (fetch reports those as TypeErrors), not a reply that could not be read. */
function isConnectionFailure(error: ApiCallErrorFields): boolean {
  return error.cause instanceof TypeError;
}

function fromApiCallError(error: ApiCallErrorFields, context: AiSdkCallContext): ModelCallError {
  const status = error.statusCode;
  const retries = retriesText(context.maxRetries);
  const retryable = error.isRetryable === true;
  const at = error.url ? ` at ${error.url}` : "";
  if (status === undefined) {
    return new ModelCallError(`Could not reach ${context.subject}${at}${retries}: ${error.message}. Check the network, and the provider's base URL if you set one.`, {
      retryable,
      cause: error,
    });
  }
  if (status >= 200 && status < 300) {
    if ((context.replyStarted && !context.reportedInStream) || isConnectionFailure(error)) {
      const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
      return brokenReplyError(context, `${error.message}${cause}`, error);
    }
    return new ModelCallError(
      `${capitalise(context.subject)} answered${at} with a reply that could not be read (${error.message}). If you set the provider's base URL, check that it points at the provider's API, not a web page.`,
      { status, retryable, cause: error },
    );
  }
  const { advice, option } = statusAdvice(status, retryable, error.message, retries, context);
  return new ModelCallError(`${capitalise(context.subject)} answered ${status}: ${error.message}. ${advice}`.trim(), { status, retryable, cause: error, ...(option ? { option } : {}) });
}

/** What to do about an HTTP error, and the option that does it. */
function statusAdvice(status: number, retryable: boolean, detail: string, retries: string, context: AiSdkCallContext): { advice: string; option?: string } {
  if (status === 401 || status === 403) return { advice: `Check the API key: ${context.credentialName}.`, option: "apiKey" };
  if (status === 404) return { advice: "Check the model id, and the provider's base URL if you set one.", option: "modelId" };
  if (status === 429) return { advice: `It was rate-limited${retries}. Wait and try again, make fewer calls at once, or raise \`maxRetries\`.`, option: "maxRetries" };
  if (retryable) return { advice: `${retries ? `It still failed${retries}. ` : ""}The provider may be overloaded: try again later, or raise \`maxRetries\`.`, option: "maxRetries" };
  if (/\bstop\b/i.test(detail)) return { advice: "If this model does not accept stop sequences, create the AiSdkModel with `supportsStop: false`.", option: "supportsStop" };
  return { advice: "" };
}

function retriesText(maxRetries: number): string {
  return maxRetries === 0 ? "" : maxRetries === 1 ? " after 1 retry" : ` after ${maxRetries} retries`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
