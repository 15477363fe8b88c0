/** The CLI's built-in search tools: `--tools web_search,wikipedia_search,user_input`. */
import { afterEach, expect, test, vi } from "vitest";

import { loadTools } from "../src/cli/load-tools.js";
import { renderPythonStub } from "../src/tools/python-stub.js";

afterEach(() => vi.unstubAllEnvs());

test("the three tools load by name", async () => {
  for (const variable of ["BRAVE_API_KEY", "BRAVE_SEARCH_API_KEY", "TAVILY_API_KEY", "SERPER_API_KEY", "EXA_API_KEY"]) vi.stubEnv(variable, "");
  const tools = await loadTools(["web_search", "wikipedia_search", "user_input"], process.cwd());
  expect(tools.map((tool) => tool.name)).toEqual(["web_search", "wikipedia_search", "user_input"]);
  expect(tools[0]!.description).toContain("DuckDuckGo");
});

test("web_search uses the first provider whose key is set", async () => {
  vi.stubEnv("BRAVE_API_KEY", "");
  vi.stubEnv("BRAVE_SEARCH_API_KEY", "");
  vi.stubEnv("TAVILY_API_KEY", "");
  vi.stubEnv("SERPER_API_KEY", "s-key");
  vi.stubEnv("EXA_API_KEY", "e-key");
  const [webSearch] = await loadTools(["web_search"], process.cwd());
  expect(webSearch!.description).toContain("Serper");
  expect(renderPythonStub(webSearch!)).toMatch(/def web_search\(query: str\) -> list\[/);
});
