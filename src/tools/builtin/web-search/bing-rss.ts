/**
 * Bing's RSS results (`/search?format=rss&q=...`): the keyless fallback when DuckDuckGo fails.
 * Items are `<item><title/><link/><description/></item>`; a page that is not RSS (a consent or
 * captcha page) means we were blocked.
 */
import { endpoint, type ProviderCall } from "./search-provider.js";
import { finishResults, textOfHtml, type SearchResult } from "./search-result.js";
import { WebSearchError } from "./web-search-error.js";

/** Bing's public address; tests point the fallback elsewhere. */
export const BING_BASE_URL = "https://www.bing.com";
const SERVICE = "Bing";

/** Searches Bing's RSS feed at `baseUrl`. */
export async function searchBingRss(call: ProviderCall, baseUrl: string): Promise<SearchResult[]> {
  const response = await call.send({
    service: SERVICE,
    url: endpoint(baseUrl, "/search", { format: "rss", q: call.query, count: Math.min(call.maxResults, 50) }),
    headers: { accept: "application/rss+xml, application/xml;q=0.9, */*;q=0.5" },
  });
  if (!/<rss[\s>]/i.test(response.text)) {
    throw new WebSearchError(SERVICE, "blocked", `${SERVICE} answered with a page that is not its RSS results (a captcha or consent page).`);
  }
  return finishResults(readRssItems(response.text), call.maxResults);
}

/** The items of an RSS document, their text decoded. */
export function readRssItems(xml: string): { title: string; url: string; snippet: string }[] {
  const items: { title: string; url: string; snippet: string }[] = [];
  for (const [, item = ""] of xml.matchAll(/<item\b[^>]*>([\s\S]*?)<\/item>/gi)) {
    items.push({ title: elementText(item, "title"), url: elementText(item, "link"), snippet: elementText(item, "description") });
  }
  return items;
}

function elementText(xml: string, name: string): string {
  const raw = new RegExp(`<${name}\\b[^>]*>([\\s\\S]*?)</${name}>`, "i").exec(xml)?.[1] ?? "";
  const cdata = /^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*$/.exec(raw);
  // CDATA holds markup as is; otherwise the text is entity-encoded (and may encode markup).
  return cdata ? textOfHtml(cdata[1] ?? "") : textOfHtml(textOfHtml(raw));
}
