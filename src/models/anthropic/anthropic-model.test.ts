import { describe, expect, test, vi } from "vitest";

import { MissingPackageError } from "../../errors.js";

const importOptional = vi.hoisted(() => vi.fn());
vi.mock("../../executors/import-optional.js", () => ({ importOptional }));

const { AnthropicModel } = await import("./anthropic-model.js");

describe("AnthropicModel without @anthropic-ai/sdk installed", () => {
  test("is created without loading the SDK; a call says how to install it, and the next call tries again", async () => {
    importOptional.mockRejectedValue(new MissingPackageError("@anthropic-ai/sdk", "npm install @anthropic-ai/sdk", "AnthropicModel"));
    const model = new AnthropicModel({ modelId: "claude-sonnet-4-5", apiKey: "sk-ant-test" });
    expect(importOptional).not.toHaveBeenCalled();
    const question = [{ role: "user" as const, content: "Hi" }];
    await expect(model.generate(question)).rejects.toThrow(/npm install @anthropic-ai\/sdk/);
    await expect(model.generate(question)).rejects.toBeInstanceOf(MissingPackageError);
    expect(importOptional).toHaveBeenCalledTimes(2);
    expect(importOptional.mock.calls[0]?.[0]).toMatchObject({ specifier: "@anthropic-ai/sdk" });
  });
});
