/** `wikipedia_search` against a local server speaking the MediaWiki search API. */
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";

import { AgentConfigurationError } from "../src/errors.js";
import { invokeTool } from "../src/tools/invoke-tool.js";
import { wikipediaSearchTool, type WikipediaSearchOptions } from "../src/tools/builtin/wikipedia-search.js";
import { FixtureServer, neverAnswer, serveFixture } from "./fixtures/web/fixture-server.js";

let server: FixtureServer;
beforeAll(async () => {
  server = await FixtureServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const search = (options: WikipediaSearchOptions, query: string) =>
  invokeTool(wikipediaSearchTool({ baseUrl: server.url, timeoutMs: 1500, ...options }), { args: [query], kwargs: {} }) as Promise<{ title: string; url: string; snippet: string }[]>;

test("asks the search API and returns articles with their addresses and plain-text snippets", async () => {
  server.on("/w/api.php", serveFixture("wikipedia-search.json", "application/json; charset=utf-8"));
  const results = await search({ maxResults: 3 }, "tide pool");

  expect(results).toEqual([
    {
      title: "Tide pool",
      url: `${server.url}/wiki/Tide_pool`,
      snippet: "A tide pool or rock pool is a shallow pool of seawater that forms on the rocky intertidal shore",
    },
    {
      title: "Intertidal zone/Ecology: rocks & pools",
      url: `${server.url}/wiki/Intertidal_zone/Ecology:_rocks_%26_pools`,
      snippet: 'The intertidal zone "between the tides" is exposed at low tide',
    },
  ]);
  const [request] = server.requestsTo("/w/api.php");
  expect(Object.fromEntries(request!.query)).toMatchObject({ action: "query", list: "search", srsearch: "tide pool", srlimit: "3", format: "json" });
});

test("the language picks the edition's address", async () => {
  const requested: string[] = [];
  const fetchSpy: typeof fetch = async (input) => {
    requested.push(String(input));
    return new Response('{"query":{"search":[{"title":"Estran","snippet":"zone"}]}}', { headers: { "content-type": "application/json" } });
  };
  const tool = wikipediaSearchTool({ language: "fr", fetch: fetchSpy });
  const results = (await invokeTool(tool, { args: ["estran"], kwargs: {} })) as { url: string }[];
  expect(new URL(requested[0]!).origin).toBe("https://fr.wikipedia.org");
  expect(results[0]!.url).toBe("https://fr.wikipedia.org/wiki/Estran");
  expect(() => wikipediaSearchTool({ language: "fr/../x" })).toThrow(AgentConfigurationError);
});

test("an API error, a 429 and a silent server are clear errors", async () => {
  server.on("/w/api.php", (response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end('{"error":{"code":"srsearch-text-disabled","info":"text search is disabled"}}');
  });
  await expect(search({}, "x")).rejects.toThrow("Wikipedia refused the search: text search is disabled.");

  server.on("/w/api.php", (response) => {
    response.writeHead(429);
    response.end();
  });
  await expect(search({}, "x")).rejects.toThrow(/Wikipedia is rate-limiting these searches \(HTTP 429.*Try again later, or search with web_search/);

  server.on("/w/api.php", neverAnswer);
  const started = performance.now();
  await expect(search({ timeoutMs: 400 }, "x")).rejects.toThrow("Wikipedia did not answer within 400 ms");
  expect(performance.now() - started).toBeLessThan(2000);
});
