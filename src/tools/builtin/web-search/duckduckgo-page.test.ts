import { expect, test } from "vitest";

import { readDuckDuckGoPage, unwrapDuckDuckGoUrl } from "./duckduckgo-page.js";

test("redirect links give their destination; ads and other schemes give nothing", () => {
  expect(unwrapDuckDuckGoUrl("//duckduckgo.com/l/?uddg=https%3A%2F%2Fa.example%2Fp%3Fx%3D1%26y%3D2&rut=9")).toBe("https://a.example/p?x=1&y=2");
  expect(unwrapDuckDuckGoUrl("https://b.example/page")).toBe("https://b.example/page");
  expect(unwrapDuckDuckGoUrl("https://duckduckgo.com/y.js?ad_domain=shop.example")).toBeUndefined();
  expect(unwrapDuckDuckGoUrl("//duckduckgo.com/l/?uddg=javascript%3Aalert(1)")).toBeUndefined();
  expect(unwrapDuckDuckGoUrl("javascript:alert(1)")).toBeUndefined();
});

test("a link keeps the first snippet after it, and a link without a snippet keeps an empty one", () => {
  const page = readDuckDuckGoPage(`<table>
    <tr><td><a class="result-link" href="https://a.example/">A</a></td></tr>
    <tr><td><a class="result-link" href="https://b.example/">B</a></td></tr>
    <tr><td class="result-snippet">about B</td></tr>
    <tr><td class="result-snippet">a stray second snippet</td></tr></table>`);
  expect(page).toEqual({
    kind: "results",
    results: [
      { title: "A", url: "https://a.example/", snippet: "" },
      { title: "B", url: "https://b.example/", snippet: "about B" },
    ],
  });
});

test("a bot check, an empty result page and an unknown page are told apart", () => {
  expect(readDuckDuckGoPage('<form id="challenge-form"></form>').kind).toBe("challenge");
  expect(readDuckDuckGoPage("<table><tr><td>No results.</td></tr></table>")).toEqual({ kind: "results", results: [] });
  expect(readDuckDuckGoPage("<div id='app'></div>").kind).toBe("unreadable");
});
