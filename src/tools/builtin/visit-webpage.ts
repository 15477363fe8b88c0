/**
 * `visit_webpage`: a built-in tool that fetches a page and gives the model its text as markdown.
 * It runs on the host, outside the sandbox, so by default it refuses to reach this machine or its
 * private network (see `page-request.ts`): a prompt-injected page could otherwise point it at
 * admin interfaces or cloud metadata.
 */
import { NodeHtmlMarkdown } from "node-html-markdown";
import { z } from "zod";

import { tool } from "../tool.js";
import { requestPage, resolveHostname } from "./page-request.js";

/** Options of {@link visitWebpageTool}. */
export interface VisitWebpageOptions {
  /** Longest page text returned, in characters. Default 40,000. */
  maxChars?: number;
  /** Time limit for a whole visit, redirects included. Default 20 s. */
  timeoutMs?: number;
  /**
   * Also visit loopback (`localhost`, `127.0.0.1`, `::1`), private (`10.x`, `192.168.x`, ...),
   * link-local (`169.254.x`, cloud metadata), unique-local and other non-public addresses.
   * Default false: such pages are refused, after DNS resolution and on every redirect.
   */
  allowPrivateNetwork?: boolean;
  /** Most redirects followed. Default 5. */
  maxRedirects?: number;
  /** Resolves a host name to its addresses; injected for tests. Default: the system resolver. */
  resolve?: (hostname: string) => Promise<string[]>;
  /**
   * Sends the requests instead of Node's HTTP client, e.g. through a proxy. Addresses are still
   * checked before each request, but this `fetch` resolves names itself, so a name that changes
   * its address between the check and the connection is not caught.
   */
  fetch?: typeof fetch;
}

/** Bodies are read up to this size: enough for any page worth reading, bounded for the host. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * A tool that fetches a web page and returns its content as markdown, so the model reads the text
 * and links rather than raw HTML. Runs on the host (the sandbox has no network).
 */
export function visitWebpageTool(options: VisitWebpageOptions = {}) {
  const maxChars = options.maxChars ?? 40_000;
  const timeoutMs = options.timeoutMs ?? 20_000;
  return tool({
    name: "visit_webpage",
    description: "Fetches a web page and returns its content as markdown text.",
    inputSchema: z.object({ url: z.string().url().describe("The page's full http(s) URL") }),
    outputSchema: z.string(),
    execute: async ({ url }, { signal }) => {
      const timeout = AbortSignal.timeout(timeoutMs);
      let page;
      try {
        page = await requestPage(url, {
          allowPrivateNetwork: options.allowPrivateNetwork ?? false,
          resolve: options.resolve ?? resolveHostname,
          fetch: options.fetch,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          maxRedirects: options.maxRedirects ?? 5,
          maxBytes: MAX_BODY_BYTES,
        });
      } catch (error) {
        if (timeout.aborted && !signal?.aborted) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
        throw error;
      }
      if (page.status < 200 || page.status > 299) throw new Error(`the page answered ${page.status} ${page.statusText}`.trim());
      const text = page.contentType.includes("html") ? NodeHtmlMarkdown.translate(page.text) : page.text;
      const cut = page.truncated ? `\n\n[page cut: larger than ${MAX_BODY_BYTES} bytes]` : "";
      return text.length > maxChars ? `${text.slice(0, maxChars)}\n\n[page cut: ${text.length - maxChars} more characters]` : text + cut;
    },
  });
}
