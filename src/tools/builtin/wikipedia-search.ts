/**
 * `wikipedia_search`: searches Wikipedia through the MediaWiki search API
 * (`/w/api.php?action=query&list=search`) of one language edition, and gives the model's code
 * `{ title, url, snippet }` records, the same shape as `web_search`.
 */
import { z } from "zod";

import { AgentConfigurationError } from "../../errors.js";
import { tool } from "../tool.js";
import { parseJsonBody, sendSearchRequest } from "./web-search/search-http.js";
import { arrayAt, endpoint, field } from "./web-search/search-provider.js";
import { finishResults, searchResultsSchema, textOfHtml } from "./web-search/search-result.js";
import { WebSearchError } from "./web-search/web-search-error.js";

/** Options of {@link wikipediaSearchTool}. */
export interface WikipediaSearchOptions {
  /** The edition's language code ("en", "fr", "de", ...). Default "en". */
  language?: string;
  /** The wiki's address. Default `https://<language>.wikipedia.org`; any MediaWiki site works. */
  baseUrl?: string;
  /** Most results returned per search. Default 5. */
  maxResults?: number;
  /** Time limit for one request, in ms. Default 15,000. */
  timeoutMs?: number;
  /** Sends the requests instead of the global `fetch`. */
  fetch?: typeof globalThis.fetch;
}

const SERVICE = "Wikipedia";
const MAX_BYTES = 2 * 1024 * 1024;

/**
 * A tool that searches Wikipedia: `wikipedia_search(query)` returns a list of
 * `{title, url, snippet}`, best match first. Runs on the host.
 */
export function wikipediaSearchTool(options: WikipediaSearchOptions = {}) {
  const language = options.language ?? "en";
  if (!/^[a-z][a-z0-9-]{1,15}$/i.test(language)) {
    throw new AgentConfigurationError(`"${language}" is not a Wikipedia language code; use one such as "en", "fr" or "zh-yue".`);
  }
  const baseUrl = (options.baseUrl ?? `https://${language.toLowerCase()}.wikipedia.org`).replace(/\/+$/, "");
  const maxResults = options.maxResults ?? 5;
  const http = { fetch: options.fetch ?? globalThis.fetch, timeoutMs: options.timeoutMs ?? 15_000, maxBytes: MAX_BYTES };
  return tool({
    name: "wikipedia_search",
    description: `Searches Wikipedia (${language}) and returns up to ${maxResults} articles, best match first, each a record with title, url and snippet.`,
    inputSchema: z.object({ query: z.string().min(1).describe("Words to look for in article titles and text") }),
    outputSchema: searchResultsSchema,
    execute: async ({ query }, { signal }) => {
      const url = endpoint(baseUrl, "/w/api.php", { action: "query", list: "search", srsearch: query, srlimit: maxResults, format: "json", formatversion: 2, utf8: 1 });
      try {
        const response = await sendSearchRequest({ service: SERVICE, url, headers: { accept: "application/json" } }, http, signal);
        const body = parseJsonBody(SERVICE, response, MAX_BYTES);
        const error = field(body, "error");
        if (error !== undefined) throw new WebSearchError(SERVICE, "bad-response", `${SERVICE} refused the search: ${String(field(error, "info") ?? field(error, "code"))}.`);
        return finishResults(
          arrayAt(body, "query", "search").map((entry) => {
            const title = String(field(entry, "title") ?? "");
            // The snippet marks matches with <span class="searchmatch">.
            return { title, url: articleUrl(baseUrl, title), snippet: textOfHtml(String(field(entry, "snippet") ?? "")) };
          }),
          maxResults,
        );
      } catch (error) {
        if (!(error instanceof WebSearchError)) throw error;
        throw new WebSearchError(SERVICE, error.reason, `${error.message} Try again later, or search with web_search.`, { cause: error });
      }
    },
  });
}

/** The article's address: spaces become underscores, as Wikipedia writes them. */
function articleUrl(baseUrl: string, title: string): string {
  return `${baseUrl}/wiki/${encodeURIComponent(title.replace(/ /g, "_")).replace(/%2F/g, "/").replace(/%3A/g, ":")}`;
}
