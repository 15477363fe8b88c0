import { describe, expect, test } from "vitest";

import { toJsonText } from "./json-text.js";

describe("toJsonText", () => {
  test("plain data passes through", () => {
    expect(JSON.parse(toJsonText({ a: [1, "x", null, true], b: { c: 1.5 } }))).toEqual({ a: [1, "x", null, true], b: { c: 1.5 } });
  });

  test("undefined, bigint, Date, Map and Set become JSON values", () => {
    const text = toJsonText({ u: undefined, n: 2n ** 70n, d: new Date(0), m: new Map([["k", 1]]), s: new Set([1, 2]) });
    expect(JSON.parse(text)).toEqual({ u: null, n: "1180591620717411303424", d: "1970-01-01T00:00:00.000Z", m: { k: 1 }, s: [1, 2] });
    expect(toJsonText(undefined)).toBe("null");
  });

  test("a shared (not circular) reference is fine", () => {
    const shared = { x: 1 };
    expect(JSON.parse(toJsonText({ a: shared, b: shared }))).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });

  test("functions, symbols and cycles are refused with a message naming the problem", () => {
    expect(() => toJsonText({ callback: () => 1 })).toThrow("'callback' is a function");
    expect(() => toJsonText({ tag: Symbol("t") })).toThrow("'tag' is a symbol");
    const cycle: Record<string, unknown> = {};
    cycle["self"] = cycle;
    expect(() => toJsonText(cycle)).toThrow(/refers to itself/);
  });

  test("bytes (a Buffer too) and images cross in their tagged wire form", () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const text = toJsonText({ raw: new Uint8Array([1, 2]), buffer: Buffer.from([3]), picture: { type: "image", image: png, mediaType: "image/png" } });
    expect(JSON.parse(text)).toEqual({ raw: { __bytes__: "AQI=" }, buffer: { __bytes__: "Aw==" }, picture: { __image__: "iVBORw==", mediaType: "image/png" } });
    expect(toJsonText(new Uint8Array([255]))).toBe('{"__bytes__":"/w=="}');
  });
});
