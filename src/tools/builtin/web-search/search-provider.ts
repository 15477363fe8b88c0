/**
 * The seam between the `web_search` tool and each provider: a provider is a function from one
 * {@link ProviderCall} to its results. The call carries everything it needs (the query, the
 * address to send to, the key, and a bounded `send`), so provider modules read no globals.
 */
import type { SearchHttpRequest, SearchHttpResponse } from "./search-http.js";
import type { SearchResult } from "./search-result.js";

/** One search, as a provider receives it. */
export interface ProviderCall {
  query: string;
  /** Most results to return; providers ask the service for no more than this where they can. */
  maxResults: number;
  /** Where the service is, without a trailing slash (the vendor's own, or the one configured). */
  baseUrl: string;
  apiKey: string | undefined;
  /** Sends one request within the tool's time limit, byte cap and abort signal. */
  send(request: SearchHttpRequest): Promise<SearchHttpResponse>;
  /** The JSON body of a response; throws a clear error when it is cut or not JSON. */
  readJson(service: string, response: SearchHttpResponse): unknown;
  /** The tool call's abort signal. */
  signal: AbortSignal | undefined;
}

/** Runs one search against one provider. */
export type SearchProvider = (call: ProviderCall) => Promise<SearchResult[]>;

/** `baseUrl` joined with `path` (which starts with "/"), keeping any path prefix of the base. */
export function endpoint(baseUrl: string, path: string, query: Record<string, string | number> = {}): URL {
  const url = new URL(baseUrl.replace(/\/+$/, "") + path);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, String(value));
  return url;
}

/** `value[key]` when `value` is an object and that entry is an array, else an empty array. */
export function arrayAt(value: unknown, ...path: string[]): unknown[] {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return [];
    current = (current as Record<string, unknown>)[key];
  }
  return Array.isArray(current) ? current : [];
}

/** The entry `key` of an object, or undefined. */
export function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** POSTs `payload` as JSON to a keyed API at `path` and returns the JSON it answers. */
export async function postJson(call: ProviderCall, service: string, path: string, keyHeaders: Record<string, string>, payload: unknown): Promise<unknown> {
  const response = await call.send({
    service,
    url: endpoint(call.baseUrl, path),
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json", ...keyHeaders },
    body: JSON.stringify(payload),
    keyed: true,
  });
  return call.readJson(service, response);
}
