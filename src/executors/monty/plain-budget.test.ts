import { describe, expect, test } from "vitest";

import { toPlain, ValueTooLargeError } from "./monty-values.js";

describe("toPlain within a budget", () => {
  test("a list sharing one inner list many times stops at the budget instead of expanding", () => {
    const inner = new Array<number>(1_000).fill(0);
    const outer = new Array<number[]>(100_000).fill(inner);
    expect(() => toPlain(outer, 10_000)).toThrow(ValueTooLargeError);
    expect(() => toPlain(new Map([["text", "x".repeat(5_000)]]), 1_000)).toThrow(ValueTooLargeError);
  });

  test("a value within the budget converts whole", () => {
    expect(toPlain([1, "a", new Map<unknown, unknown>([["k", [true, null]], [3, 2.5]])], 1_000)).toEqual([1, "a", { k: [true, null], "3": 2.5 }]);
  });

  test("a value nested 200,000 deep converts without overflowing the stack", () => {
    let nested: unknown[] = [];
    for (let index = 0; index < 200_000; index++) nested = [nested];
    expect(() => JSON.stringify(toPlain(nested))).not.toThrow();
  });

  test("a key named __proto__ is an own key", () => {
    const plain = toPlain(new Map<string, unknown>([["__proto__", new Map([["x", 1]])], ["b", 2]])) as Record<string, unknown>;
    expect(Object.keys(plain)).toEqual(["__proto__", "b"]);
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
  });
});
