/** SearXNG: a self-hosted metasearch instance's JSON API (`/search?q=...&format=json`). */
import { arrayAt, endpoint, field, type ProviderCall } from "./search-provider.js";
import { finishResults, type SearchResult } from "./search-result.js";

const SERVICE = "SearXNG";

/** Searches the SearXNG instance at `call.baseUrl`. */
export async function searchSearxng(call: ProviderCall): Promise<SearchResult[]> {
  const response = await call.send({
    service: SERVICE,
    url: endpoint(call.baseUrl, "/search", { q: call.query, format: "json" }),
    headers: { accept: "application/json" },
    // An instance answers 403 to format=json unless its settings.yml lists json in search.formats.
    explainStatus: (status) => (status === 403 ? "If this is your instance, add json to search.formats in its settings.yml." : undefined),
  });
  const body = call.readJson(SERVICE, response);
  return finishResults(
    arrayAt(body, "results").map((entry) => ({ title: field(entry, "title"), url: field(entry, "url"), snippet: field(entry, "content") })),
    call.maxResults,
  );
}
