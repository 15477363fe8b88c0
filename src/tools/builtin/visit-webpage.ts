import { NodeHtmlMarkdown } from "node-html-markdown";
import { z } from "zod";

import { tool } from "../tool.js";

/** Options of {@link visitWebpageTool}. */
export interface VisitWebpageOptions {
  /** Longest page text returned, in characters. Default 40,000. */
  maxChars?: number;
  /** Per-request time limit. Default 20 s. */
  timeoutMs?: number;
  /** Injected for tests and proxies; defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

/**
 * A tool that fetches a web page and returns its content as markdown, so the model reads the text
 * and links rather than raw HTML. Runs on the host (the sandbox has no network).
 */
export function visitWebpageTool(options: VisitWebpageOptions = {}) {
  const maxChars = options.maxChars ?? 40_000;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const fetchPage = options.fetch ?? fetch;
  return tool({
    name: "visit_webpage",
    description: "Fetches a web page and returns its content as markdown text.",
    inputSchema: z.object({ url: z.string().url().describe("The page's full http(s) URL") }),
    outputSchema: z.string(),
    execute: async ({ url }, { signal }) => {
      const timeout = AbortSignal.timeout(timeoutMs);
      const response = await fetchPage(url, {
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        headers: { accept: "text/html,text/plain;q=0.9,*/*;q=0.5" },
      });
      if (!response.ok) throw new Error(`the page answered ${response.status} ${response.statusText}`.trim());
      const body = await response.text();
      const type = response.headers.get("content-type") ?? "";
      const text = type.includes("html") ? NodeHtmlMarkdown.translate(body) : body;
      return text.length > maxChars ? `${text.slice(0, maxChars)}\n\n[page cut: ${text.length - maxChars} more characters]` : text;
    },
  });
}
