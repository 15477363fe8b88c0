import { describe, expect, test } from "vitest";

import { keptSize, MAX_KEPT_DEPTH } from "./kept-size.js";
import { MontyNamespace } from "./monty-namespace.js";

describe("keptSize", () => {
  test("counts strings, containers and their items, and stops past the budget", () => {
    const small = keptSize(new Map<unknown, unknown>([["k", ["abc", 1n, 2.5, null]]]), 10_000);
    expect(small).toBeGreaterThan(0);
    expect(keptSize("x".repeat(2_000), 1_000)).toBe("too-large");
    const shared = new Array<number>(1_000).fill(0);
    expect(keptSize(new Array<number[]>(1_000_000).fill(shared), 1_000_000)).toBe("too-large");
  });

  test("a value nested past the depth limit is too deep, however small", () => {
    let nested: unknown = 1;
    for (let index = 0; index <= MAX_KEPT_DEPTH; index++) nested = [nested];
    expect(keptSize(nested, Infinity)).toBe("too-deep");
  });
});

describe("the namespace's memory budget", () => {
  test("replacing a value frees what the old one took", () => {
    const namespace = new MontyNamespace();
    namespace.memoryLimitMb = 1;
    for (let round = 0; round < 10; round++) namespace.setValue("text", { value: "x".repeat(600_000) });
    expect(namespace.droppedReason("text")).toBeUndefined();
    namespace.setValue("other", { value: "y".repeat(600_000) });
    expect(namespace.droppedReason("other")).toMatch(/memoryLimitMb \(1 MB\)/);
    namespace.setValue("text", { value: 1 });
    namespace.setValue("other", { value: "y".repeat(600_000) });
    expect(namespace.droppedReason("other")).toBeUndefined();
  });
});
