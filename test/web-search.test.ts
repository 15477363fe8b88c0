/**
 * `web_search` against a local server that speaks each provider's protocol, fed with fixtures
 * shaped like their real answers: results, error and captcha pages, silence, floods, 429s, the
 * DuckDuckGo → Bing fallback, DuckDuckGo's pacing and aborts.
 */
import type { ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";

import { CodeAgent } from "../src/agents/code-agent.js";
import { MissingCredentialsError } from "../src/errors.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { invokeTool } from "../src/tools/invoke-tool.js";
import { renderJavaScriptStub } from "../src/tools/javascript-stub.js";
import { renderPythonStub } from "../src/tools/python-stub.js";
import { providerFromEnvironment } from "../src/tools/builtin/web-search/providers.js";
import { webSearchTool, type WebSearchOptions } from "../src/tools/builtin/web-search/web-search-tool.js";
import { fixture, FixtureServer, neverAnswer, serveFixture } from "./fixtures/web/fixture-server.js";

let server: FixtureServer;

beforeAll(async () => {
  server = await FixtureServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const HTML = "text/html; charset=utf-8";
const JSON_TYPE = "application/json";

/** A DuckDuckGo tool whose lite page and Bing fallback are both the local server. */
function duckDuckGo(options: WebSearchOptions = {}) {
  return webSearchTool({ provider: "duckduckgo", baseUrl: server.url, bingBaseUrl: `${server.url}/bing`, timeoutMs: 1500, ...options });
}

type Record3 = { title: string; url: string; snippet: string };
const search = (tool: ReturnType<typeof webSearchTool>, query: string, signal?: AbortSignal) =>
  invokeTool(tool, { args: [query], kwargs: {} }, { signal }) as Promise<Record3[]>;

/** The message of the error `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught as Error,
  );
  expect(error, "expected the search to fail").toBeInstanceOf(Error);
  return error!.message;
}

describe("DuckDuckGo", () => {
  test("reads the lite page: redirects unwrapped, ads skipped, markup and entities gone, long snippets cut", async () => {
    server.on("/lite/", serveFixture("duckduckgo-lite.html", HTML));
    const results = await search(duckDuckGo(), "tide pools");

    expect(results.map((result) => result.url)).toEqual([
      "https://en.example.org/wiki/Tide_pool",
      "https://ocean.example.com/tide-pools?section=life&lang=en",
      "https://parks.example.net/visit/tidepooling",
      "https://kids.example.edu/science/tides",
    ]);
    expect(results[0]).toEqual({
      title: "Tide pool - Example Encyclopedia",
      url: "https://en.example.org/wiki/Tide_pool",
      snippet:
        "A tide pool or rock pool is a shallow pool of seawater that forms on the rocky intertidal shore. Many of these pools exist as separate bodies of water only at low tide.",
    });
    expect(results[1]!.title).toBe("Life in Tide Pools & Rocky Shores");
    expect(results[1]!.snippet).toBe("Anemones, sea stars & crabs: what lives in a tide pool, and how it survives the waves.");
    expect(results[2]!.snippet.length).toBeLessThanOrEqual(401);
    expect(results[2]!.snippet.endsWith("…")).toBe(true);
    expect(fixture("duckduckgo-lite.html")).toContain(results[2]!.snippet.slice(0, -1));

    const [request] = server.requestsTo("/lite/");
    expect(request!.method).toBe("POST");
    expect(new URLSearchParams(request!.body).get("q")).toBe("tide pools");
    expect(server.requestsTo("/bing/search")).toEqual([]);
  });

  test("keeps at most maxResults", async () => {
    server.on("/lite/", serveFixture("duckduckgo-lite.html", HTML));
    const results = await search(duckDuckGo({ maxResults: 2 }), "tide pools");
    expect(results.map((result) => result.title)).toEqual(["Tide pool - Example Encyclopedia", "Life in Tide Pools & Rocky Shores"]);
  });

  test("a query with no results is an empty list, not an error", async () => {
    server.on("/lite/", serveFixture("duckduckgo-no-results.html", HTML));
    expect(await search(duckDuckGo(), "qwxzqv")).toEqual([]);
    expect(server.requestsTo("/bing/search")).toEqual([]);
  });

  test("a captcha page falls back to Bing's RSS results", async () => {
    server.on("/lite/", serveFixture("duckduckgo-captcha.html", HTML, 202));
    server.on("/bing/search", serveFixture("bing.rss", "application/rss+xml; charset=utf-8"));
    const results = await search(duckDuckGo(), "tide pools");

    expect(results).toEqual([
      {
        title: "Tide pool - Example Encyclopedia",
        url: "https://en.example.org/wiki/Tide_pool",
        snippet: "A tide pool or rock pool is a shallow pool of seawater that forms on the rocky intertidal shore.",
      },
      { title: "Rock pools & their residents", url: "https://marine.example.org/rock-pools", snippet: "Crabs, limpets & anemones of the rocky shore." },
      { title: "Tide times & charts", url: "https://tides.example.com/charts", snippet: "Tide tables for the next 7 days — high and low water, sunrise and sunset." },
    ]);
    const [bingRequest] = server.requestsTo("/bing/search");
    expect(bingRequest!.query.get("format")).toBe("rss");
    expect(bingRequest!.query.get("q")).toBe("tide pools");
  });

  test("blocked on both (captcha, then a consent page): an error that says so and names the other providers", async () => {
    server.on("/lite/", serveFixture("duckduckgo-captcha.html", HTML));
    server.on("/bing/search", serveFixture("bing-consent.html", HTML));
    const message = await failure(search(duckDuckGo(), "tide pools"));

    expect(message).toContain("bot check (captcha)");
    expect(message).toContain("Bing answered with a page that is not its RSS results");
    for (const variable of ["BRAVE_API_KEY", "TAVILY_API_KEY", "SERPER_API_KEY", "EXA_API_KEY", '"searxng"']) expect(message).toContain(variable);
  });

  test("an error page and a 429 from Bing: the error tells both", async () => {
    server.on("/lite/", serveFixture("error.html", HTML, 500));
    server.on("/bing/search", (response) => {
      response.writeHead(429, { "retry-after": "30" });
      response.end();
    });
    const message = await failure(search(duckDuckGo(), "tide pools"));
    expect(message).toContain("DuckDuckGo answered HTTP 500 Internal Server Error.");
    expect(message).toContain("Bing is rate-limiting these searches (HTTP 429 Too Many Requests). It asks to wait 30 s");
  });

  test("a page we cannot read falls back too", async () => {
    server.on("/lite/", serveFixture("unexpected-layout.html", HTML));
    server.on("/bing/search", serveFixture("bing.rss", "application/rss+xml"));
    expect((await search(duckDuckGo(), "tide pools")).length).toBe(3);
  });

  test("with the fallback off, a 429 is the error", async () => {
    server.on("/lite/", (response) => {
      response.writeHead(429);
      response.end();
    });
    const message = await failure(search(duckDuckGo({ fallback: false }), "tide pools"));
    expect(message).toContain("DuckDuckGo is rate-limiting these searches (HTTP 429 Too Many Requests).");
    expect(message).toContain('"brave" (set BRAVE_API_KEY or BRAVE_SEARCH_API_KEY)');
    expect(server.requestsTo("/bing/search")).toEqual([]);
  });

  test("requests are paced: two searches at least a second apart, even from two tools", async () => {
    server.on("/lite/", serveFixture("duckduckgo-no-results.html", HTML));
    await Promise.all([search(duckDuckGo(), "first"), search(duckDuckGo(), "second")]);
    const [first, second] = server.requestsTo("/lite/");
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  test("a huge page is read only up to the byte cap, and the results at its start are kept", async () => {
    let sent = 0;
    let closed = false;
    server.on("/lite/", (response) => {
      response.writeHead(200, { "content-type": HTML });
      response.write(fixture("huge-page-start.html"));
      const row = `<tr><td>&nbsp;</td><td>${"filler ".repeat(140)}</td></tr>\n`;
      response.on("close", () => (closed = true));
      const pour = () => {
        while (!closed && sent < 50 * 1024 * 1024) {
          sent += row.length;
          if (!response.write(row)) return void response.once("drain", pour);
        }
        response.end();
      };
      pour();
    });
    const started = performance.now();
    const results = await search(duckDuckGo({ maxResponseBytes: 256 * 1024 }), "huge");

    expect(results).toEqual([{ title: "A result before the flood", url: "https://big.example.com/", snippet: "Everything after this row is filler." }]);
    expect(performance.now() - started).toBeLessThan(5000);
    await expect.poll(() => closed, { timeout: 2000 }).toBe(true);
    expect(sent).toBeLessThan(10 * 1024 * 1024);
  });

  test("a server that never answers times out, and Bing is asked instead", async () => {
    server.on("/lite/", neverAnswer);
    server.on("/bing/search", serveFixture("bing.rss", "application/rss+xml"));
    const started = performance.now();
    const results = await search(duckDuckGo({ timeoutMs: 400 }), "tide pools");
    expect(results.length).toBe(3);
    expect(performance.now() - started).toBeLessThan(2500);
  });

  test("an abort ends a search at once, as the abort (no fallback, no tool error)", async () => {
    server.on("/lite/", neverAnswer);
    server.on("/bing/search", serveFixture("bing.rss", "application/rss+xml"));
    const controller = new AbortController();
    const reason = new Error("run cancelled");
    setTimeout(() => controller.abort(reason), 1300);
    const started = performance.now();
    await expect(search(duckDuckGo({ timeoutMs: 10_000 }), "tide pools", controller.signal)).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(2500);
    expect(server.requestsTo("/bing/search")).toEqual([]);
  });
});

describe("SearXNG", () => {
  const searxng = (options: WebSearchOptions = {}) => webSearchTool({ provider: "searxng", baseUrl: `${server.url}/searx/`, timeoutMs: 1500, ...options });

  test("reads the JSON API: duplicates dropped, entries without content kept with an empty snippet", async () => {
    server.on("/searx/search", serveFixture("searxng.json", JSON_TYPE));
    const results = await search(searxng(), "tide pools");
    expect(results).toEqual([
      { title: "Tide pool - Example Encyclopedia", url: "https://en.example.org/wiki/Tide_pool", snippet: "A tide pool or rock pool is a shallow pool of seawater that forms on the rocky intertidal shore." },
      { title: "Life in Tide Pools", url: "https://ocean.example.com/tide-pools", snippet: "Anemones, sea stars and crabs: what lives in a tide pool." },
      { title: "Tide pools near you", url: "https://maps.example.com/tide-pools", snippet: "" },
    ]);
    const [request] = server.requestsTo("/searx/search");
    expect(request!.query.get("format")).toBe("json");
    expect(request!.query.get("q")).toBe("tide pools");
  });

  test("needs its baseUrl", () => {
    expect(() => webSearchTool({ provider: "searxng" })).toThrow(/baseUrl/);
  });

  test("a 403 (JSON not enabled) says how to enable it", async () => {
    server.on("/searx/search", (response) => {
      response.writeHead(403, { "content-type": HTML });
      response.end("<h1>Forbidden</h1>");
    });
    const message = await failure(search(searxng(), "tide pools"));
    expect(message).toContain("SearXNG refused to answer (HTTP 403 Forbidden)");
    expect(message).toContain("add json to search.formats");
  });

  test("an error page", async () => {
    server.on("/searx/search", serveFixture("error.html", HTML, 500));
    const message = await failure(search(searxng(), "tide pools"));
    expect(message).toContain("SearXNG answered HTTP 500 Internal Server Error.");
    expect(message).toContain('"duckduckgo" (no key)');
  });

  test("an HTML page where JSON was expected", async () => {
    server.on("/searx/search", serveFixture("duckduckgo-captcha.html", HTML));
    expect(await failure(search(searxng(), "tide pools"))).toMatch(/SearXNG answered with something that is not JSON \(text\/html/);
  });

  test("a 429", async () => {
    server.on("/searx/search", (response) => {
      response.writeHead(429);
      response.end();
    });
    expect(await failure(search(searxng(), "tide pools"))).toContain("SearXNG is rate-limiting these searches (HTTP 429");
  });

  test("a server that never answers: a timeout error within the limit", async () => {
    server.on("/searx/search", neverAnswer);
    const started = performance.now();
    const message = await failure(search(searxng({ timeoutMs: 500 }), "tide pools"));
    expect(message).toContain("SearXNG did not answer within 500 ms");
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test("a huge JSON answer is cut at the cap and refused", async () => {
    server.on("/searx/search", (response) => {
      response.writeHead(200, { "content-type": JSON_TYPE });
      response.end(`{"results": [${'{"title":"t","url":"https://x.example/","content":"c"},'.repeat(40_000)}{}]}`);
    });
    expect(await failure(search(searxng({ maxResponseBytes: 100_000 }), "tide pools"))).toContain("SearXNG answered with more than 100000 bytes");
  });

  test("an unreachable address", async () => {
    const closed = await FixtureServer.start();
    const url = closed.url;
    await closed.close();
    const message = await failure(search(webSearchTool({ provider: "searxng", baseUrl: url }), "tide pools"));
    expect(message).toContain(`Could not reach SearXNG at ${new URL(url).host} (ECONNREFUSED)`);
  });
});

describe("keyed providers", () => {
  const cases = [
    { provider: "brave", path: "/res/v1/web/search", file: "brave.json" },
    { provider: "tavily", path: "/search", file: "tavily.json" },
    { provider: "serper", path: "/search", file: "serper.json" },
    { provider: "exa", path: "/search", file: "exa.json" },
  ] as const;

  test.each(cases)("$provider: results read from its answer", async ({ provider, path, file }) => {
    server.on(path, serveFixture(file, JSON_TYPE));
    const results = await search(webSearchTool({ provider, baseUrl: server.url, apiKey: "k-123", maxResults: 5 }), "tide pools");
    expect(results.map((result) => result.url)).toEqual(["https://en.example.org/wiki/Tide_pool", "https://ocean.example.com/tide-pools"]);
    expect(results[0]!.title).toBe("Tide pool - Example Encyclopedia");
    expect(results[0]!.snippet).toMatch(/^A tide pool or rock pool is a shallow pool of seawater/);
    expect(results[1]!.snippet).toMatch(/Anemones, sea stars (and|&) crabs/);
  });

  test("each request carries the key and the query where the vendor expects them", async () => {
    for (const { path, file } of cases) server.on(path, serveFixture(file, JSON_TYPE));
    const run = (provider: (typeof cases)[number]["provider"]) => search(webSearchTool({ provider, baseUrl: server.url, apiKey: "k-123", maxResults: 3 }), "tide pools");
    for (const { provider } of cases) await run(provider);
    const [brave, tavily, serper, exa] = server.requests;

    expect(brave!.method).toBe("GET");
    expect(brave!.headers["x-subscription-token"]).toBe("k-123");
    expect(Object.fromEntries(brave!.query)).toEqual({ q: "tide pools", count: "3" });
    expect(tavily!.headers.authorization).toBe("Bearer k-123");
    expect(JSON.parse(tavily!.body)).toEqual({ query: "tide pools", max_results: 3 });
    expect(serper!.headers["x-api-key"]).toBe("k-123");
    expect(JSON.parse(serper!.body)).toEqual({ q: "tide pools", num: 3 });
    expect(exa!.headers["x-api-key"]).toBe("k-123");
    expect(JSON.parse(exa!.body)).toMatchObject({ query: "tide pools", numResults: 3, contents: { highlights: true } });
  });

  test("Brave's <strong> marks and entities are gone; Exa's highlights make the snippet", async () => {
    server.on("/res/v1/web/search", serveFixture("brave.json", JSON_TYPE));
    const brave = await search(webSearchTool({ provider: "brave", baseUrl: server.url, apiKey: "k" }), "tide pools");
    expect(brave[1]).toEqual({ title: "Life in Tide Pools & Rocky Shores", url: "https://ocean.example.com/tide-pools", snippet: "Anemones, sea stars & crabs." });
    server.on("/search", serveFixture("exa.json", JSON_TYPE));
    const exa = await search(webSearchTool({ provider: "exa", baseUrl: server.url, apiKey: "k" }), "tide pools");
    expect(exa[0]!.snippet).toBe("A tide pool or rock pool is a shallow pool of seawater. … Many pools exist only at low tide.");
  });

  test("a refused key says so", async () => {
    server.on("/search", (response: ServerResponse) => {
      response.writeHead(401, { "content-type": JSON_TYPE });
      response.end('{"message":"Unauthorized"}');
    });
    const message = await failure(search(webSearchTool({ provider: "serper", baseUrl: server.url, apiKey: "wrong" }), "x"));
    expect(message).toContain("Serper refused the API key (HTTP 401 Unauthorized).");
    expect(message).not.toContain('"serper" (set');
  });

  test("the key comes from the environment; without one, the tool cannot be made", () => {
    expect(() => webSearchTool({ provider: "tavily", env: {} })).toThrow(MissingCredentialsError);
    expect(() => webSearchTool({ provider: "brave", env: {} })).toThrow(/set BRAVE_API_KEY or BRAVE_SEARCH_API_KEY/);
    expect(webSearchTool({ provider: "brave", env: { BRAVE_SEARCH_API_KEY: "k" } }).name).toBe("web_search");
  });

  test("the CLI's choice: the first provider whose key is set, else DuckDuckGo", () => {
    expect(providerFromEnvironment({})).toBe("duckduckgo");
    expect(providerFromEnvironment({ EXA_API_KEY: "e", SERPER_API_KEY: "s" })).toBe("serper");
    expect(providerFromEnvironment({ TAVILY_API_KEY: " ", BRAVE_SEARCH_API_KEY: "b" })).toBe("brave");
  });
});

test("the stubs show the model the records' shape", () => {
  const tool = webSearchTool();
  const python = renderPythonStub(tool);
  const javascript = renderJavaScriptStub(tool);
  for (const stub of [python, javascript]) for (const key of ["title", "url", "snippet"]) expect(stub).toContain(key);
  expect(python).toMatch(/def web_search\(query: str\) -> list\[/);
  expect(javascript).toMatch(/@returns \{Array<|@returns \{\{.*\}\[\]\}/);
});

describe("from sandbox code (QuickJS)", () => {
  const searxng = () => webSearchTool({ provider: "searxng", baseUrl: `${server.url}/searx`, timeoutMs: 1500 });

  test("the results arrive as records the code filters and loops over", async () => {
    server.on("/searx/search", serveFixture("searxng.json", JSON_TYPE));
    const model = new ScriptedModel([
      [
        "<code>",
        'const results = web_search("tide pools");',
        "const lines = [];",
        "for (const result of results) {",
        '  if (result.snippet === "") continue;',
        "  lines.push(`${result.title.toUpperCase()} <${result.url.split('/')[2]}> ${result.snippet.length}`);",
        "}",
        "final_answer({ count: results.length, lines, keys: Object.keys(results[0]).sort() });",
        "</code>",
      ].join("\n"),
    ]);
    const agent = new CodeAgent({ model, tools: [searxng()], executor: "quickjs" });
    try {
      const result = await agent.run("Find pages about tide pools.");
      expect(result.output).toEqual({
        count: 3,
        lines: ["TIDE POOL - EXAMPLE ENCYCLOPEDIA <en.example.org> 96", "LIFE IN TIDE POOLS <ocean.example.com> 57"],
        keys: ["snippet", "title", "url"],
      });
      expect(server.requestsTo("/searx/search")).toHaveLength(1);
    } finally {
      await agent.close();
    }
  });

  test("a failed search is an exception the code can catch and read", async () => {
    server.on("/searx/search", (response) => {
      response.writeHead(429);
      response.end();
    });
    const model = new ScriptedModel(['<code>\ntry { web_search("tide pools"); final_answer("no error"); } catch (error) { final_answer(String(error.message)); }\n</code>']);
    const agent = new CodeAgent({ model, tools: [searxng()], executor: "quickjs" });
    try {
      const { output } = await agent.run("Search.");
      expect(output).toContain("SearXNG is rate-limiting these searches (HTTP 429");
      expect(output).toContain("TAVILY_API_KEY");
    } finally {
      await agent.close();
    }
  });
});
