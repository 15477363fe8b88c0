/**
 * The record every provider's answer is turned into, and the small clean-ups all of them share:
 * whitespace collapsed, markup and entities gone, long snippets cut, at most `maxResults` kept.
 */
import { parse } from "node-html-parser";
import { z } from "zod";

/** One search result, as the model's code receives it. */
export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
}

/** The zod shape of a result list: the tool's output schema, so stubs show the model its keys. */
export const searchResultsSchema = z
  .array(
    z.object({
      title: z.string().describe("The page's title"),
      url: z.string().describe("The page's address"),
      snippet: z.string().describe("A short extract of the page's text (may be empty)"),
    }),
  )
  .describe("The results, best first.");

/** Snippets are cut to this many characters: enough to judge a result, small in the model's context. */
export const MAX_SNIPPET_CHARS = 400;

/** Text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed. */
export function textOfHtml(fragment: string): string {
  return collapseWhitespace(parse(fragment).text);
}

/** Runs of whitespace (non-breaking spaces included) become one space; the ends are trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(/[\s\u00a0]+/g, " ").trim();
}

/** `text` cut at a word boundary to {@link MAX_SNIPPET_CHARS}, with "…" where it was cut. */
export function trimSnippet(text: string): string {
  const clean = collapseWhitespace(text);
  if (clean.length <= MAX_SNIPPET_CHARS) return clean;
  const cut = clean.slice(0, MAX_SNIPPET_CHARS);
  const lastSpace = cut.lastIndexOf(" ");
  return `${(lastSpace > MAX_SNIPPET_CHARS / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

/**
 * Builds the final list: drops entries without a usable http(s) URL and repeated URLs, cleans
 * titles and snippets, and keeps the first `maxResults`.
 */
export function finishResults(raw: Iterable<{ title?: unknown; url?: unknown; snippet?: unknown }>, maxResults: number): SearchResult[] {
  const results: SearchResult[] = [];
  const seen = new Set<string>();
  for (const entry of raw) {
    if (results.length >= maxResults) break;
    const url = typeof entry.url === "string" ? entry.url.trim() : "";
    if (!/^https?:\/\//i.test(url) || seen.has(url)) continue;
    seen.add(url);
    const title = collapseWhitespace(typeof entry.title === "string" ? entry.title : "");
    results.push({ title: title || url, url, snippet: trimSnippet(typeof entry.snippet === "string" ? entry.snippet : "") });
  }
  return results;
}
