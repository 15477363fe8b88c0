import { expect, test } from "vitest";

import { finishResults, MAX_SNIPPET_CHARS, textOfHtml, trimSnippet } from "./search-result.js";

test("snippets are cut at a word boundary with an ellipsis; short ones are only tidied", () => {
  expect(trimSnippet("  two\n\twords\u00a0here ")).toBe("two words here");
  const long = "word ".repeat(200);
  const cut = trimSnippet(long);
  expect(cut.length).toBeLessThanOrEqual(MAX_SNIPPET_CHARS + 1);
  expect(cut.endsWith("word…")).toBe(true);
});

test("markup and entities are removed from HTML fragments", () => {
  expect(textOfHtml('A <span class="searchmatch">tide</span> &amp; &quot;pool&quot;')).toBe('A tide & "pool"');
});

test("results without an http(s) URL or seen before are dropped; a missing title becomes the URL", () => {
  const results = finishResults(
    [
      { title: "ok", url: "https://a.example/", snippet: 3 },
      { title: "again", url: "https://a.example/" },
      { title: "ftp", url: "ftp://b.example/" },
      { url: "http://c.example/" },
      { title: "past the cap", url: "https://d.example/" },
    ],
    3,
  );
  expect(results).toEqual([
    { title: "ok", url: "https://a.example/", snippet: "" },
    { title: "http://c.example/", url: "http://c.example/", snippet: "" },
    { title: "past the cap", url: "https://d.example/", snippet: "" },
  ]);
  expect(finishResults(results, 1)).toHaveLength(1);
});
