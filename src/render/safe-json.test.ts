import { describe, expect, it } from "vitest";

import { safeJsonStringify } from "./safe-json.js";

describe("safeJsonStringify", () => {
  it("writes bytes, and images holding bytes, in the tagged form they cross in", () => {
    const event = { output: new Uint8Array([1, 2, 255]), image: { type: "image", image: new Uint8Array([137, 80]), mediaType: "image/png" } };
    expect(JSON.parse(safeJsonStringify(event)!)).toEqual({
      output: { __bytes__: "AQL/" },
      image: { type: "image", image: { __bytes__: "iVA=" }, mediaType: "image/png" },
    });
  });

  it("keeps its other conversions: bigint, cycles, maps, sets, errors", () => {
    const cyclic: Record<string, unknown> = { n: 10n, map: new Map([["a", 1]]), set: new Set([2]), error: new TypeError("bad") };
    cyclic["self"] = cyclic;
    expect(JSON.parse(safeJsonStringify(cyclic)!)).toEqual({
      n: "10",
      map: [["a", 1]],
      set: [2],
      error: { name: "TypeError", message: "bad" },
      self: "[Circular]",
    });
  });
});
