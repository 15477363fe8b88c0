/**
 * One HTTP exchange with a search service, bounded three ways: a time limit, the tool call's abort
 * signal, and a cap on the bytes read. Failures become {@link WebSearchError}s that say what
 * happened (rate-limited, refused, timed out, unreachable); aborts are passed on untouched.
 */
import { WebSearchError } from "./web-search-error.js";

/** How requests are sent: given once per tool, the same for every call. */
export interface SearchHttpOptions {
  fetch: typeof globalThis.fetch;
  /** Time limit for one request, body included. */
  timeoutMs: number;
  /** Bodies are read up to this many bytes; the rest is dropped. */
  maxBytes: number;
}

/** A request to a search service. */
export interface SearchHttpRequest {
  /** The service's name for messages ("DuckDuckGo"). */
  service: string;
  url: URL;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** True when the request carries an API key: 401 and 403 then mean the key was refused. */
  keyed?: boolean;
  /** A sentence added to the message of an HTTP error status, when the service gives it a meaning. */
  explainStatus?: (status: number) => string | undefined;
}

/** A response that arrived with a success status. */
export interface SearchHttpResponse {
  status: number;
  contentType: string;
  text: string;
  /** True when the body was longer than `maxBytes` and was cut. */
  truncated: boolean;
}

const USER_AGENT = "Mozilla/5.0 (compatible; codeagent web_search)";

/** Sends `request`; throws {@link WebSearchError} unless the service answered with a 2xx status. */
export async function sendSearchRequest(request: SearchHttpRequest, options: SearchHttpOptions, signal: AbortSignal | undefined): Promise<SearchHttpResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const response = await options.fetch(request.url, {
      method: request.method ?? "GET",
      headers: { "user-agent": USER_AGENT, ...request.headers },
      body: request.body,
      signal: combined,
      redirect: "follow",
    });
    if (response.status < 200 || response.status > 299) {
      void response.body?.cancel().catch(() => undefined);
      throw statusError(request, response);
    }
    const { text, truncated } = await readText(response, options.maxBytes);
    return { status: response.status, contentType: response.headers.get("content-type") ?? "", text, truncated };
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof WebSearchError) throw error;
    if (timeout.aborted) {
      throw new WebSearchError(request.service, "timeout", `${request.service} did not answer within ${options.timeoutMs} ms (${request.url.host}).`, { cause: error });
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new WebSearchError(request.service, "unreachable", `Could not reach ${request.service} at ${request.url.host} (${detail}).`, { cause: error });
  }
}

/** The body of a JSON API's answer; throws {@link WebSearchError} when it is cut or is not JSON. */
export function parseJsonBody(service: string, response: SearchHttpResponse, maxBytes: number): unknown {
  if (response.truncated) throw new WebSearchError(service, "bad-response", `${service} answered with more than ${maxBytes} bytes; its answer was not read.`);
  try {
    return JSON.parse(response.text) as unknown;
  } catch {
    const start = response.text.slice(0, 80).replace(/\s+/g, " ");
    throw new WebSearchError(service, "bad-response", `${service} answered with something that is not JSON (${response.contentType || "no content type"}: "${start}").`);
  }
}

function statusError(request: SearchHttpRequest, response: Response): WebSearchError {
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  const extra = request.explainStatus?.(response.status);
  const explained = (message: string) => (extra ? `${message} ${extra}` : message);
  if (response.status === 429) {
    const retryAfter = response.headers.get("retry-after");
    const wait = retryAfter ? ` It asks to wait ${retryAfter}${/^\d+$/.test(retryAfter) ? " s" : ""} before the next search.` : "";
    return new WebSearchError(request.service, "rate-limited", explained(`${request.service} is rate-limiting these searches (${status}).${wait}`));
  }
  if (request.keyed && (response.status === 401 || response.status === 403)) {
    return new WebSearchError(request.service, "refused", explained(`${request.service} refused the API key (${status}).`));
  }
  if (response.status === 403) {
    return new WebSearchError(request.service, "blocked", explained(`${request.service} refused to answer (${status}); it may be blocking automated searches from this address.`));
  }
  return new WebSearchError(request.service, "http-error", explained(`${request.service} answered ${status}.`));
}

async function readText(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > maxBytes) {
        chunks.push(value.subarray(0, maxBytes - size));
        truncated = true;
        // Stops the download: a huge page costs no more than maxBytes.
        void reader.cancel().catch(() => undefined);
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  }
  return { text: new TextDecoder("utf-8").decode(Buffer.concat(chunks)), truncated };
}
