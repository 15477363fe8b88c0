/**
 * Bing's RSS results (`/search?format=rss&q=...`): the keyless fallback when DuckDuckGo fails.
 * Items are `<item><title/><link/><description/></item>`; a page that is not RSS (a consent or
 * captcha page) means we were blocked. Requests are paced by one process-wide {@link Pacer}, at
 * most one a second: a run of DuckDuckGo failures must not turn into a burst of Bing searches.
 */
import { Pacer } from "../../../pacer.js";
import { endpoint, type ProviderCall } from "./search-provider.js";
import { finishResults, textOfHtml, type SearchResult } from "./search-result.js";
import { WebSearchError } from "./web-search-error.js";

/** Bing's public address; tests point the fallback elsewhere. */
export const BING_BASE_URL = "https://www.bing.com";
const SERVICE = "Bing";

/** Shared by every search in this process that falls back to Bing: Bing limits by address too. */
const bingPacer = new Pacer(1000);

/** Searches Bing's RSS feed at `baseUrl`. */
export async function searchBingRss(call: ProviderCall, baseUrl: string): Promise<SearchResult[]> {
  await bingPacer.wait(call.signal);
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
  return elements(xml, "item").map((item) => ({ title: elementText(item, "title"), url: elementText(item, "link"), snippet: elementText(item, "description") }));
}

/** An element's text is cut to this before its markup is read: a snippet is a few sentences. */
const MAX_ELEMENT_CHARS = 20_000;

/**
 * The contents of each `<name ...>...</name>` in `xml`, in one pass: a lazy regular expression
 * would scan to the end of the text from every unclosed tag, and a page of them takes minutes.
 */
function elements(xml: string, name: string): string[] {
  const lower = xml.toLowerCase();
  const [open, close] = [`<${name}`, `</${name}>`];
  const found: string[] = [];
  let at = 0;
  for (;;) {
    const start = lower.indexOf(open, at);
    if (start < 0) return found;
    const after = lower.charAt(start + open.length);
    if (after !== ">" && !/\s/.test(after)) {
      at = start + open.length;
      continue;
    }
    const bodyStart = lower.indexOf(">", start) + 1;
    const end = bodyStart > 0 ? lower.indexOf(close, bodyStart) : -1;
    // No closing tag anywhere after it: no complete element follows either.
    if (end < 0) return found;
    found.push(xml.slice(bodyStart, end));
    at = end + close.length;
  }
}

function elementText(xml: string, name: string): string {
  const raw = (elements(xml, name)[0] ?? "").slice(0, MAX_ELEMENT_CHARS);
  const cdata = /^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*$/.exec(raw);
  // CDATA holds markup as is; otherwise the text is entity-encoded (and may encode markup).
  return cdata ? textOfHtml(cdata[1] ?? "") : textOfHtml(textOfHtml(raw));
}
