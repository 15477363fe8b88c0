/** Brave Search's web search API: `GET /res/v1/web/search`, the key in `X-Subscription-Token`. */
import { arrayAt, endpoint, field, type ProviderCall } from "./search-provider.js";
import { finishResults, textOfHtml, type SearchResult } from "./search-result.js";

const SERVICE = "Brave Search";
/** The most results Brave gives for one request. */
const BRAVE_MAX_COUNT = 20;

/** Searches Brave; `call.apiKey` is required. */
export async function searchBrave(call: ProviderCall): Promise<SearchResult[]> {
  const response = await call.send({
    service: SERVICE,
    url: endpoint(call.baseUrl, "/res/v1/web/search", { q: call.query, count: Math.min(call.maxResults, BRAVE_MAX_COUNT) }),
    headers: { accept: "application/json", "x-subscription-token": call.apiKey ?? "" },
    keyed: true,
  });
  const body = call.readJson(SERVICE, response);
  // Brave marks the query's words in descriptions with <strong>.
  const text = (value: unknown) => (typeof value === "string" ? textOfHtml(value) : "");
  return finishResults(
    arrayAt(body, "web", "results").map((entry) => ({ title: text(field(entry, "title")), url: field(entry, "url"), snippet: text(field(entry, "description")) })),
    call.maxResults,
  );
}
