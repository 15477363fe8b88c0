/**
 * What `@huggingface/inference` throws, turned into codeagent errors. The SDK's HTTP errors carry
 * the status and the body but not the headers, so the adapter hands over the response it saw (it
 * passes the SDK a `fetch` that keeps it) for `Retry-After` and the content type.
 */
import { AgentError, ModelCallError } from "../../errors.js";
import { isRetryableErrorReport } from "../error-report.js";
import { isRetryableStatus } from "../retrying-call.js";

/** Where calls go and how they are made, for error messages. */
export interface HfCallContext {
  /** Where requests go, as the subject of a sentence: `the Hugging Face router (provider "together")`. */
  target: string;
  /** The option that says where requests go: `endpointUrl` for a dedicated endpoint, else `provider`. */
  targetOption: "endpointUrl" | "provider";
  modelId: string;
  timeoutMs: number;
  maxRetries: number;
}

/** An HTTP error of the SDK: `InferenceClientProviderApiError` or `InferenceClientHubApiError`. */
interface SdkHttpError extends Error {
  httpResponse: { status: number; body: unknown };
}

function isSdkHttpError(error: unknown): error is SdkHttpError {
  const response = (error as { httpResponse?: { status?: unknown } } | null)?.httpResponse;
  return error instanceof Error && typeof response?.status === "number";
}

/** The HTTP status of a failed call, when the provider answered with an error. */
export function errorStatus(error: unknown): number | undefined {
  return isSdkHttpError(error) && error.httpResponse.status >= 400 ? error.httpResponse.status : undefined;
}

/**
 * The server's own words about an error, from the body the SDK kept: `{ error: "..." }` (TGI),
 * `{ error: { message } }` (OpenAI-style providers), `{ detail }` or `{ message }`; else the SDK's message.
 */
export function serverDetail(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const body = isSdkHttpError(error) ? error.httpResponse.body : undefined;
  const fields = (typeof body === "object" && body !== null ? body : {}) as { error?: unknown; detail?: unknown; message?: unknown };
  const nested = (fields.error as { message?: unknown } | null | undefined)?.message;
  for (const candidate of [fields.error, nested, fields.detail, fields.message, body]) {
    if (typeof candidate === "string" && candidate.trim() !== "") return readable(candidate.trim());
  }
  return readable(error.message.replace(/^Failed to perform inference:\s*/, "")) || "no details given";
}

/** A detail fit to end a sentence: an HTML page (a proxy's or a login page) is named, not quoted. */
function readable(detail: string): string {
  if (/^<(!doctype|html|head|body)\b/i.test(detail)) return "an HTML page instead of an error message";
  return detail.replace(/\.+$/, "");
}

/**
 * The error to throw for `error`, raised by the SDK or while reading its stream. `response` is the
 * last HTTP response of the attempt (undefined when none came). codeagent errors pass unchanged.
 */
export function toModelCallError(error: unknown, response: Response | undefined, context: HfCallContext): AgentError {
  if (AgentError.isInstance(error)) return error;
  const retries = context.maxRetries === 0 ? "" : context.maxRetries === 1 ? " after 1 retry" : ` after ${context.maxRetries} retries`;
  const target = context.target;
  switch (error instanceof Error ? error.name : "") {
    case "ProviderOutputError":
      return notChatCompletionError(context, response?.headers.get("content-type") ?? null, false);
    case "RoutingError":
    case "InputError":
      return inputError(error as Error, context);
    case "HubApiError":
      return hubError(error as SdkHttpError, context, retries);
  }
  if (isSdkHttpError(error)) {
    if (error.httpResponse.status >= 400) return statusError(error, context, retries);
    // A 200 that is not an event stream, or an error event inside the stream.
    const contentType = response?.headers.get("content-type") ?? null;
    if (!contentType?.startsWith("text/event-stream")) return notChatCompletionError(context, contentType, true);
    // The SDK keeps the event's data as the error's body.
    const retryable = isRetryableErrorReport(error.httpResponse.body);
    return new ModelCallError(`${capitalise(target)} reported an error in its stream: ${serverDetail(error)}.${retryable ? " Trying again may work." : ""}`, {
      retryable,
      cause: error,
    });
  }
  if (error instanceof SyntaxError) {
    return new ModelCallError(`${capitalise(target)} sent a reply that is not valid JSON: ${error.message}. Check that \`${context.targetOption}\` serves chat completions.`, {
      option: context.targetOption,
      cause: error,
    });
  }
  const reason = describeCause(error);
  if (response === undefined) {
    return new ModelCallError(`Could not reach ${target}${retries}${reason}. Check the \`${context.targetOption}\` option and your network connection.`, {
      retryable: true,
      option: context.targetOption,
      cause: error,
    });
  }
  return new ModelCallError(`The connection to ${target} broke while reading its reply${reason}. Trying again may work.`, { retryable: true, cause: error });
}

/** The error for an attempt that ran out of time. */
export function timeoutError(context: HfCallContext): ModelCallError {
  const retries = context.maxRetries === 0 ? "" : ` (${context.maxRetries + 1} attempts)`;
  return new ModelCallError(
    `No response from ${context.target} within ${context.timeoutMs} ms${retries}. Raise \`timeoutMs\`, or try again later: the model may be loading or the provider busy.`,
    { retryable: true, option: "timeoutMs" },
  );
}

/** The error for a successful answer that is not a chat completion (an HTML page, unrelated JSON). */
export function notChatCompletionError(context: HfCallContext, contentType: string | null, streaming: boolean): ModelCallError {
  const type = contentType?.split(";")[0]?.trim();
  const body = type ? `a "${type}" body` : "a body without a content type";
  return new ModelCallError(
    `${capitalise(context.target)} answered with ${body}, which is not a chat-completions ${streaming ? "stream" : "reply"}. ` +
      `Check the \`${context.targetOption}\` option: a dedicated endpoint or TGI server is given by its URL (e.g. https://xyz.endpoints.huggingface.cloud/v1), not a web page.`,
    { option: context.targetOption },
  );
}


function statusError(error: SdkHttpError, context: HfCallContext, retries: string): ModelCallError {
  const status = error.httpResponse.status;
  const detail = serverDetail(error);
  const retryable = isRetryableStatus(status);
  const { advice, option } = statusAdvice(status, retryable, detail, retries, context);
  return new ModelCallError(`${capitalise(context.target)} answered ${status}: ${detail}. ${advice}`.trim(), { status, retryable, cause: error, ...(option ? { option } : {}) });
}

/** What to do about an HTTP error, and the option that does it. */
function statusAdvice(status: number, retryable: boolean, detail: string, retries: string, context: HfCallContext): { advice: string; option?: string } {
  if (status === 401 || status === 403) {
    return {
      advice: "Check the `token` option or the HF_TOKEN environment variable: a token from https://huggingface.co/settings/tokens allowed to make calls to Inference Providers.",
      option: "token",
    };
  }
  if (status === 402) {
    return { advice: "The account's Inference Providers credits are used up: add credits at https://huggingface.co/settings/billing, or bill an organization with `billTo`.", option: "billTo" };
  }
  if (status === 404 && context.targetOption === "provider") {
    return { advice: `Check the model id "${context.modelId}" and that the provider serves it (the model's page on huggingface.co lists its providers).`, option: "modelId" };
  }
  if (status === 404) return { advice: "Check the `endpointUrl` option: the endpoint's URL, usually ending in /v1.", option: "endpointUrl" };
  if (status === 429) return { advice: `It was rate-limited${retries}. Wait and try again, make fewer calls at once, or raise \`maxRetries\`.`, option: "maxRetries" };
  if (retryable) {
    return { advice: `${retries ? `It still failed${retries}. ` : ""}The model may be loading or the provider overloaded: try again later, or raise \`maxRetries\`.`, option: "maxRetries" };
  }
  return { advice: "" };
}

/** The Hub could not say which id the provider gives the model. */
function hubError(error: SdkHttpError, context: HfCallContext, retries: string): ModelCallError {
  const status = error.httpResponse.status;
  const retryable = isRetryableStatus(status);
  const advice = retryable
    ? `Try again later${retries ? ` (it failed${retries})` : ""}.`
    : `Check the model id "${context.modelId}" (as on huggingface.co) and the \`token\` option or the HF_TOKEN environment variable for a private model.`;
  return new ModelCallError(`Hugging Face could not look up which providers serve "${context.modelId}" (${status}): ${serverDetail(error)}. ${advice}`, {
    status,
    retryable,
    option: retryable ? "maxRetries" : "modelId",
    cause: error,
  });
}

/** The SDK refused the call before sending it: a provider that does not serve the model, a token it cannot route with. */
function inputError(error: Error, context: HfCallContext): ModelCallError {
  if (/provider information|No Inference Provider available/i.test(error.message)) {
    return new ModelCallError(
      `No provider serves "${context.modelId}" as ${context.target} asks: ${error.message} Pick a \`provider\` listed on the model's page on huggingface.co, or "auto".`,
      { option: "provider", cause: error },
    );
  }
  return new ModelCallError(`@huggingface/inference refused the call: ${error.message} Check the \`token\`, \`provider\` and \`endpointUrl\` options.`, { cause: error });
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return `: ${String(error)}`;
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const inner = cause ? `${cause.message}${typeof code === "string" && !cause.message.includes(code) ? ` (${code})` : ""}` : undefined;
  return `: ${inner ? `${error.message} (${inner})` : error.message}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
