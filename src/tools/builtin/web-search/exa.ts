/**
 * Exa: `POST /search` with `{ query, numResults, contents }`, the key in `x-api-key`. We ask for
 * highlights (short passages relevant to the query), which make the snippet.
 */
import { arrayAt, field, postJson, type ProviderCall } from "./search-provider.js";
import { finishResults, type SearchResult } from "./search-result.js";

const SERVICE = "Exa";

/** Searches Exa; `call.apiKey` is required. */
export async function searchExa(call: ProviderCall): Promise<SearchResult[]> {
  const body = await postJson(call, SERVICE, "/search", { "x-api-key": call.apiKey ?? "" }, { query: call.query, numResults: call.maxResults, contents: { highlights: true } });
  return finishResults(
    arrayAt(body, "results").map((entry) => ({ title: field(entry, "title"), url: field(entry, "url"), snippet: snippetOf(entry) })),
    call.maxResults,
  );
}

/** The highlights joined, else the summary, else the start of the text. */
function snippetOf(entry: unknown): string {
  const highlights = arrayAt(entry, "highlights").filter((item): item is string => typeof item === "string");
  if (highlights.length > 0) return highlights.join(" … ");
  for (const key of ["summary", "text"]) {
    const value = field(entry, key);
    if (typeof value === "string" && value.trim()) return value;
  }
  return "";
}
