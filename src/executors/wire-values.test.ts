import { describe, expect, test } from "vitest";

import { fromWire, MAX_NESTING, mayHoldTags, valueFromSandbox, wireForm, WireValueError } from "./wire-values.js";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

describe("wire values", () => {
  test("bytes and images leave the host tagged, and come back as they were", () => {
    const json = JSON.stringify({ raw: Buffer.from([1, 2, 255]), picture: { type: "image", image: PNG } }, function (this: Record<string, unknown>, key, item: unknown) {
      return wireForm(this[key]) ?? item;
    });
    expect(JSON.parse(json)).toEqual({ raw: { __bytes__: "AQL/" }, picture: { __image__: Buffer.from(PNG).toString("base64"), mediaType: "image/png" } });
    expect(mayHoldTags(json)).toBe(true);
    const back = fromWire(JSON.parse(json)) as { raw: Uint8Array; picture: { type: string; image: Uint8Array; mediaType: string } };
    expect(back.raw).toBeInstanceOf(Uint8Array);
    expect([...back.raw]).toEqual([1, 2, 255]);
    expect(back.picture).toEqual({ type: "image", image: new Uint8Array(PNG), mediaType: "image/png" });
  });

  test("a data: URL image crosses as data, an https: URL image as the plain object it is", () => {
    expect(wireForm({ type: "image", image: "data:image/gif;base64,R0lGOA==" })).toEqual({ __image__: "R0lGOA==", mediaType: "image/gif" });
    expect(wireForm({ type: "image", image: "https://example.com/a.png" })).toBeUndefined();
    expect(wireForm(new Uint8Array([7]).buffer)).toEqual({ __bytes__: "Bw==" });
  });

  test("hostile tags are refused with a clear error", () => {
    expect(() => fromWire({ __bytes__: "not base64!" })).toThrow(WireValueError);
    expect(() => fromWire({ __bytes__: "QUJD" + "=" })).toThrow(/not valid base64/);
    expect(() => fromWire([{ __bytes__: 42 }])).toThrow(/must be base64 text, got number/);
    expect(() => fromWire({ __bytes__: "QUJD", extra: 1 })).toThrow(/reserved for bytes and images/);
    expect(() => fromWire({ __image__: "QUJD", mediaType: "text/html" })).toThrow(/media type must look like "image\/png"/);
    expect(() => fromWire({ __image__: "QUJD", mediaType: 5 })).toThrow(/media type/);
    expect(() => fromWire({ a: { __bytes__: "QUJDRA==" } }, { maxChars: 4 })).toThrow(/8 base64 characters is more than the 4 allowed/);
  });

  test("a value nested deeper than MAX_NESTING is refused without overflowing the stack, one within it is decoded", () => {
    let deep: unknown = { __bytes__: "AA==" };
    for (let depth = 0; depth < 300_000; depth++) deep = [deep];
    expect(() => fromWire(deep)).toThrow(/nested more than 1,000 levels deep/);
    const refused = valueFromSandbox("[".repeat(300_000) + "]".repeat(300_000), "The last line's value");
    expect(refused.error).toEqual({ type: "TypeError", message: expect.stringMatching(/^The last line's value cannot leave the sandbox: it is nested more than/) });
    let value: unknown = { __bytes__: "AA==" };
    for (let depth = 0; depth < MAX_NESTING - 2; depth++) value = [value];
    let inner = fromWire(value);
    for (let depth = 0; depth < MAX_NESTING - 2; depth++) inner = (inner as unknown[])[0];
    expect(inner).toEqual(new Uint8Array([0]));
  });
});
