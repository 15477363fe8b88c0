import { afterEach, expect, test, vi } from "vitest";

import type { SearchHttpRequest, SearchHttpResponse } from "./search-http.js";
import type { ProviderCall } from "./search-provider.js";

afterEach(() => vi.useRealTimers());

const RSS: SearchHttpResponse = { status: 200, contentType: "application/rss+xml", text: "<rss><channel></channel></rss>", truncated: false };

type SentRequest = { service: string; query: string; at: number };

/** The provider and its error class, loaded anew so that its process-wide pacers run on the fake clock. */
async function freshDuckDuckGo() {
  vi.resetModules();
  const [{ searchDuckDuckGo }, { WebSearchError }] = await Promise.all([import("./duckduckgo.js"), import("./web-search-error.js")]);
  return { searchDuckDuckGo, WebSearchError };
}

/** A call whose DuckDuckGo request fails after `duckDuckGoFailsAfterMs` and whose Bing request succeeds; sends are logged. */
function failingOverCall(
  query: string,
  duckDuckGoFailsAfterMs: number,
  sent: SentRequest[],
  WebSearchError: Awaited<ReturnType<typeof freshDuckDuckGo>>["WebSearchError"],
): ProviderCall {
  return {
    query,
    maxResults: 5,
    baseUrl: "https://duckduckgo.invalid",
    apiKey: undefined,
    signal: undefined,
    readJson: () => undefined,
    send: async (request: SearchHttpRequest) => {
      sent.push({ service: request.service, query, at: Date.now() });
      if (request.service === "Bing") return RSS;
      await new Promise((resolve) => setTimeout(resolve, duckDuckGoFailsAfterMs));
      throw new WebSearchError(request.service, "timeout", `${request.service} did not answer.`);
    },
  };
}

test("fallbacks to Bing are paced process-wide: one a second, even when DuckDuckGo fails at different speeds", async () => {
  vi.useFakeTimers({ now: 0 });
  const { searchDuckDuckGo, WebSearchError } = await freshDuckDuckGo();
  const sent: SentRequest[] = [];
  // The first DuckDuckGo request fails slowly; the second, a second later by DuckDuckGo's pacing,
  // fails at once: unpaced, both would reach Bing within half a second.
  const searches = [
    searchDuckDuckGo(failingOverCall("slow", 1500, sent, WebSearchError)),
    searchDuckDuckGo(failingOverCall("fast", 0, sent, WebSearchError)),
  ];
  await vi.advanceTimersByTimeAsync(5000);
  await Promise.all(searches);

  const bing = sent.filter((request) => request.service === "Bing");
  expect(bing.map((request) => request.query)).toEqual(["fast", "slow"]);
  expect(bing[1]!.at - bing[0]!.at).toBeGreaterThanOrEqual(1000);
});
