/**
 * `web_search`: a built-in tool that searches the web and gives the model's code a list of
 * `{ title, url, snippet }` records to filter and loop over. DuckDuckGo needs no key (with Bing's
 * RSS results as its fallback); SearXNG needs the address of an instance; Brave, Tavily, Serper
 * and Exa need their key, given here or set in the environment.
 */
import { z } from "zod";

import { MissingCredentialsError, AgentConfigurationError } from "../../../errors.js";
import { tool } from "../../tool.js";
import { searchBrave } from "./brave.js";
import { searchDuckDuckGo } from "./duckduckgo.js";
import { searchExa } from "./exa.js";
import { apiKeyFromEnvironment, otherProvidersAdvice, PROVIDER_FACTS, PROVIDER_NAMES, type WebSearchProviderName } from "./providers.js";
import { parseJsonBody, sendSearchRequest, type SearchHttpOptions } from "./search-http.js";
import type { SearchProvider } from "./search-provider.js";
import { searchResultsSchema } from "./search-result.js";
import { searchSearxng } from "./searxng.js";
import { searchSerper } from "./serper.js";
import { searchTavily } from "./tavily.js";
import { WebSearchError } from "./web-search-error.js";

/** Options of {@link webSearchTool}. */
export interface WebSearchOptions {
  /** Which search service to ask. Default "duckduckgo" (no key needed). */
  provider?: WebSearchProviderName;
  /** The service's address, e.g. your SearXNG instance (required for "searxng") or a proxy. */
  baseUrl?: string;
  /** The provider's key. Default: its environment variable (BRAVE_API_KEY, TAVILY_API_KEY, ...). */
  apiKey?: string;
  /** Most results returned per search. Default 10. */
  maxResults?: number;
  /** Time limit for one request to the service, in ms. Default 15,000. */
  timeoutMs?: number;
  /** Answers are read up to this many bytes. Default 5 MB. */
  maxResponseBytes?: number;
  /** Where DuckDuckGo's fallback, Bing's RSS results, is asked. Default https://www.bing.com. */
  bingBaseUrl?: string;
  /** Whether DuckDuckGo falls back to Bing when it fails. Default true. */
  fallback?: boolean;
  /** Where keys are looked up. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Sends the requests instead of the global `fetch` (a proxy, a test double). */
  fetch?: typeof globalThis.fetch;
}

/** The providers that need nothing beyond the call; DuckDuckGo also takes its fallback's options. */
const PROVIDERS: Record<Exclude<WebSearchProviderName, "duckduckgo">, SearchProvider> = {
  searxng: searchSearxng,
  brave: searchBrave,
  tavily: searchTavily,
  serper: searchSerper,
  exa: searchExa,
};

/**
 * A tool that searches the web: `web_search(query)` returns a list of `{title, url, snippet}`,
 * best first. It runs on the host (the sandbox has no network).
 *
 * Throws {@link MissingCredentialsError} when a keyed provider has no key, and
 * {@link AgentConfigurationError} for an unknown provider or a SearXNG without `baseUrl`. A
 * search that fails (rate-limited, blocked, unreachable, too slow) throws a {@link WebSearchError}
 * the model's code sees, naming the other providers.
 */
export function webSearchTool(options: WebSearchOptions = {}) {
  const provider = options.provider ?? "duckduckgo";
  if (!PROVIDER_NAMES.includes(provider)) {
    throw new AgentConfigurationError(`Unknown web search provider "${String(provider)}". Choose one of: ${PROVIDER_NAMES.join(", ")}.`);
  }
  const facts = PROVIDER_FACTS[provider];
  const apiKey = options.apiKey ?? apiKeyFromEnvironment(provider, options.env ?? process.env);
  if (facts.keyVariables.length > 0 && !apiKey) {
    throw new MissingCredentialsError(
      facts.keyVariables,
      `${facts.label} needs an API key: set ${facts.keyVariables.join(" or ")}, or pass webSearchTool({ provider: "${provider}", apiKey }). ` +
        `"duckduckgo" needs no key.`,
    );
  }
  const baseUrl = options.baseUrl ?? facts.defaultBaseUrl;
  if (baseUrl === undefined) {
    throw new AgentConfigurationError(`${facts.label} has no public address: pass your instance's, e.g. webSearchTool({ provider: "${provider}", baseUrl: "http://localhost:8080" }).`);
  }
  const maxResults = options.maxResults ?? 10;
  if (!Number.isInteger(maxResults) || maxResults < 1) throw new AgentConfigurationError(`maxResults must be a whole number of 1 or more, not ${maxResults}.`);
  const http: SearchHttpOptions = {
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.timeoutMs ?? 15_000,
    maxBytes: options.maxResponseBytes ?? 5 * 1024 * 1024,
  };
  const search: SearchProvider =
    provider === "duckduckgo" ? (call) => searchDuckDuckGo(call, { bingBaseUrl: options.bingBaseUrl, fallback: options.fallback }) : PROVIDERS[provider];

  return tool({
    name: "web_search",
    description: `Searches the web (${facts.label}) and returns up to ${maxResults} results, best first, each a record with title, url and snippet. Read a page in full with visit_webpage when one is available.`,
    inputSchema: z.object({ query: z.string().min(1).describe("What to search for, as you would type it into a search engine") }),
    outputSchema: searchResultsSchema,
    execute: async ({ query }, { signal }) => {
      try {
        return await search({
          query,
          maxResults,
          baseUrl: baseUrl.replace(/\/+$/, ""),
          apiKey,
          signal,
          send: (request) => sendSearchRequest(request, http, signal),
          readJson: (service, response) => parseJsonBody(service, response, http.maxBytes),
        });
      } catch (error) {
        if (!(error instanceof WebSearchError)) throw error;
        throw new WebSearchError(error.service, error.reason, `${error.message} ${otherProvidersAdvice(provider)}`, { cause: error });
      }
    },
  });
}
