import { describe, expect, it } from "vitest";

import { cutMiddle } from "./cut-middle.js";

describe("cutMiddle", () => {
  it("leaves short text whole", () => {
    expect(cutMiddle("a\nb", { maxChars: 10, maxLines: 5 })).toEqual({ head: "a\nb", tail: "" });
  });

  it("keeps the first and last lines of many", () => {
    const text = Array.from({ length: 10 }, (_, index) => `l${index}`).join("\n");
    expect(cutMiddle(text, { maxChars: 1_000, maxLines: 4 })).toEqual({ head: "l0\nl1", tail: "l8\nl9", note: "… 6 lines cut (19 characters) …" });
  });

  it("keeps the start and end of one long line", () => {
    expect(cutMiddle("abcdefghij", { maxChars: 4, maxLines: 5 })).toEqual({ head: "ab", tail: "ij", note: "… 6 characters cut …" });
  });

  it("cuts within the kept lines when they are still too long", () => {
    const text = ["a".repeat(100), "b", "c", "d".repeat(100)].join("\n");
    const cut = cutMiddle(text, { maxChars: 20, maxLines: 2 });
    expect(cut.head).toBe("a".repeat(10));
    expect(cut.tail).toBe("d".repeat(10));
    expect(cut.note).toBe("… 2 lines cut (185 characters) …");
  });
});
