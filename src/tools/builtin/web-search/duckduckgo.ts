/**
 * The keyless provider: DuckDuckGo's lite page, with Bing's RSS results as the fallback when
 * DuckDuckGo is blocked, rate-limited, unreachable or unreadable. DuckDuckGo requests are paced
 * by one process-wide {@link Pacer}, at most one a second, however many tools share it; Bing
 * requests by another.
 */
import { BING_BASE_URL, searchBingRss } from "./bing-rss.js";
import { readDuckDuckGoPage } from "./duckduckgo-page.js";
import { Pacer } from "../../../pacer.js";
import { endpoint, type ProviderCall } from "./search-provider.js";
import { finishResults, type SearchResult } from "./search-result.js";
import { WebSearchError } from "./web-search-error.js";

const SERVICE = "DuckDuckGo";

/** Shared by every DuckDuckGo tool in this process: the limit is DuckDuckGo's, per address. */
const duckDuckGoPacer = new Pacer(1000);

/** Where the fallback goes; tests point it at a local server. */
export interface DuckDuckGoOptions {
  bingBaseUrl?: string;
  /** Search Bing when DuckDuckGo fails. Default true. */
  fallback?: boolean;
}

/** Searches DuckDuckGo, then Bing if DuckDuckGo gives no readable answer. */
export async function searchDuckDuckGo(call: ProviderCall, options: DuckDuckGoOptions = {}): Promise<SearchResult[]> {
  try {
    return await searchDuckDuckGoLite(call);
  } catch (error) {
    if (!(error instanceof WebSearchError) || options.fallback === false) throw error;
    try {
      return await searchBingRss(call, options.bingBaseUrl ?? BING_BASE_URL);
    } catch (fallbackError) {
      if (!(fallbackError instanceof WebSearchError)) throw fallbackError;
      throw new WebSearchError(SERVICE, error.reason, `${error.message} The keyless fallback failed too: ${fallbackError.message}`, { cause: error });
    }
  }
}

async function searchDuckDuckGoLite(call: ProviderCall): Promise<SearchResult[]> {
  await duckDuckGoPacer.wait(call.signal);
  const response = await call.send({
    service: SERVICE,
    url: endpoint(call.baseUrl, "/lite/"),
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
    body: new URLSearchParams({ q: call.query }).toString(),
  });
  const page = readDuckDuckGoPage(response.text);
  if (page.kind === "challenge") {
    throw new WebSearchError(SERVICE, "blocked", `${SERVICE} answered with a bot check (captcha) instead of results: it is blocking automated searches from this address for now.`);
  }
  if (page.kind === "unreadable") {
    const cut = response.truncated ? " (the page was cut at the size limit)" : "";
    throw new WebSearchError(SERVICE, "bad-response", `${SERVICE} answered with a page that holds no results we can read${cut}.`);
  }
  return finishResults(page.results, call.maxResults);
}
