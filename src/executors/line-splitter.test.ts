import { describe, expect, it } from "vitest";

import { LineSplitter } from "./line-splitter.js";

function collect(maxLineLength = 100) {
  const lines: string[] = [];
  const overflows: number[] = [];
  const splitter = new LineSplitter({ maxLineLength, onLine: (line) => lines.push(line), onOverflow: (length) => overflows.push(length) });
  return { splitter, lines, overflows };
}

describe("LineSplitter", () => {
  it("reports whole lines however the text is cut into chunks", () => {
    const { splitter, lines } = collect();
    for (const chunk of ["ab", "c\nde", "f\n\ng", "h", "\n", "tail"]) splitter.push(chunk);
    expect(lines).toEqual(["abc", "def", "", "gh"]);
  });

  it("stops at a line longer than the limit, reports it once and drops the rest", () => {
    const { splitter, lines, overflows } = collect(10);
    splitter.push("short\n");
    splitter.push("0123456");
    splitter.push("789abc");
    splitter.push("\nmore\n");
    expect(lines).toEqual(["short"]);
    expect(overflows).toEqual([13]);
    expect(splitter.broken).toBe(true);
  });

  it("a line of exactly the limit is accepted", () => {
    const { splitter, lines, overflows } = collect(4);
    splitter.push("abcd\n");
    expect(lines).toEqual(["abcd"]);
    expect(overflows).toEqual([]);
  });

  it("takes time linear in the input for one long line sent in small chunks", () => {
    // 200,000 chunks of 100 characters: a rescan of the whole buffer per chunk would be ~2e12 steps.
    const { splitter, lines } = collect(30_000_000);
    const chunk = "x".repeat(100);
    for (let index = 0; index < 200_000; index++) splitter.push(chunk);
    splitter.push("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toHaveLength(20_000_000);
  });

  it("with skipOverlong, drops only the overlong line and goes on from its newline, naming its head", () => {
    const lines: string[] = [];
    const overflows: [number, string][] = [];
    const splitter = new LineSplitter({
      maxLineLength: 10,
      skipOverlong: true,
      onLine: (line) => lines.push(line),
      onOverflow: (length, head) => overflows.push([length, head]),
    });
    splitter.push("short\nTOKEN-0123456");
    splitter.push("789abc");
    splitter.push("\nnext\nTOKEN-overlong-in-one-chunk\nlast\n");
    expect(lines).toEqual(["short", "next", "last"]);
    expect(overflows).toEqual([
      [13, "TOKEN-0123456"],
      [27, "TOKEN-overlong-in-one-chunk"],
    ]);
    expect(splitter.broken).toBe(false);
  });
});
