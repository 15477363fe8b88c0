import { expect, test } from "vitest";

import { knownContextWindow } from "./context-windows.js";

test("well-known models have their window; the specific pattern wins over the family's", () => {
  expect(knownContextWindow("gpt-4o-mini")).toBe(128_000);
  expect(knownContextWindow("gpt-4.1-mini")).toBe(1_047_576);
  expect(knownContextWindow("gpt-4")).toBe(8_192);
  expect(knownContextWindow("o3-mini")).toBe(200_000);
  expect(knownContextWindow("claude-sonnet-4-5")).toBe(200_000);
  expect(knownContextWindow("Qwen/Qwen2.5-Coder-32B-Instruct")).toBe(32_768);
  expect(knownContextWindow("meta-llama/Llama-3.3-70B-Instruct")).toBe(131_072);
  expect(knownContextWindow("models/gemini-1.5-pro-002")).toBe(2_097_152);
});

test("a model the table does not know has no window", () => {
  expect(knownContextWindow("my-finetune")).toBeUndefined();
  expect(knownContextWindow("test-model")).toBeUndefined();
});
