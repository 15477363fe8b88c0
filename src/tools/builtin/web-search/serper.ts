/** Serper (Google results): `POST /search` with `{ q, num }`, the key in `X-API-KEY`. */
import { arrayAt, field, postJson, type ProviderCall } from "./search-provider.js";
import { finishResults, type SearchResult } from "./search-result.js";

const SERVICE = "Serper";

/** Searches Serper; `call.apiKey` is required. */
export async function searchSerper(call: ProviderCall): Promise<SearchResult[]> {
  const body = await postJson(call, SERVICE, "/search", { "x-api-key": call.apiKey ?? "" }, { q: call.query, num: call.maxResults });
  return finishResults(
    arrayAt(body, "organic").map((entry) => ({ title: field(entry, "title"), url: field(entry, "link"), snippet: field(entry, "snippet") })),
    call.maxResults,
  );
}
