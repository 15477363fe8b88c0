/** Tavily's search API: `POST /search` with a JSON body, the key as a bearer token. */
import { arrayAt, field, postJson, type ProviderCall } from "./search-provider.js";
import { finishResults, type SearchResult } from "./search-result.js";

const SERVICE = "Tavily";

/** Searches Tavily; `call.apiKey` is required. */
export async function searchTavily(call: ProviderCall): Promise<SearchResult[]> {
  const body = await postJson(call, SERVICE, "/search", { authorization: `Bearer ${call.apiKey ?? ""}` }, { query: call.query, max_results: call.maxResults });
  return finishResults(
    arrayAt(body, "results").map((entry) => ({ title: field(entry, "title"), url: field(entry, "url"), snippet: field(entry, "content") })),
    call.maxResults,
  );
}
