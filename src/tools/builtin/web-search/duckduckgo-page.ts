/**
 * Reading DuckDuckGo's lite result page (https://lite.duckduckgo.com/lite/): each result is a
 * `a.result-link` followed, a few rows later, by its `td.result-snippet`. Links may be wrapped in
 * DuckDuckGo's redirect (`//duckduckgo.com/l/?uddg=<the real URL>`), which we unwrap; sponsored
 * rows are skipped. A page that asks to prove we are human is told apart from one with no results.
 */
import { parse } from "node-html-parser";

import { collapseWhitespace } from "./search-result.js";

/** What a lite page held. */
export type DuckDuckGoPage =
  | { kind: "results"; results: { title: string; url: string; snippet: string }[] }
  | { kind: "challenge" }
  | { kind: "unreadable" };

const CHALLENGE_MARKERS = /anomaly-modal|challenge-form|bots use DuckDuckGo|captcha|unusual traffic/i;
const NO_RESULTS_MARKERS = /No results\.|No more results\./i;

/** Sorts out a lite page: its results, a bot challenge, or something we cannot read. */
export function readDuckDuckGoPage(html: string): DuckDuckGoPage {
  const root = parse(html);
  const results: { title: string; url: string; snippet: string }[] = [];
  let current: { title: string; url: string; snippet: string } | undefined;
  for (const element of root.querySelectorAll("a.result-link, td.result-snippet")) {
    if (element.tagName === "A") {
      const url = unwrapDuckDuckGoUrl(element.getAttribute("href") ?? "");
      const sponsored = element.closest("tr")?.classList.contains("result-sponsored") ?? false;
      current = url === undefined || sponsored ? undefined : { title: collapseWhitespace(element.text), url, snippet: "" };
      if (current) results.push(current);
    } else if (current && current.snippet === "") {
      current.snippet = collapseWhitespace(element.text);
    }
  }
  if (results.length > 0) return { kind: "results", results };
  if (CHALLENGE_MARKERS.test(html)) return { kind: "challenge" };
  if (NO_RESULTS_MARKERS.test(root.text)) return { kind: "results", results: [] };
  return { kind: "unreadable" };
}

/**
 * The destination of a result link: the `uddg` parameter of DuckDuckGo's redirect, or the link
 * itself. Undefined for ad clicks (`/y.js`) and anything that is not http(s).
 */
export function unwrapDuckDuckGoUrl(href: string): string | undefined {
  let url: URL;
  try {
    url = new URL(href, "https://duckduckgo.com");
  } catch {
    return undefined;
  }
  if (/(^|\.)duckduckgo\.com$/.test(url.hostname)) {
    if (url.pathname === "/l/") {
      const target = url.searchParams.get("uddg");
      return target && /^https?:\/\//i.test(target) ? target : undefined;
    }
    return undefined;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
}
