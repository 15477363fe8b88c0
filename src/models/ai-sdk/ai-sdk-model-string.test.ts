import { describe, expect, test } from "vitest";

import { AgentConfigurationError, MissingPackageError } from "../../errors.js";
import { AiSdkModel } from "./ai-sdk-model.js";
import { aiSdkModelFromString, parseModelString } from "./ai-sdk-model-string.js";

/** A provider instance as the packages export one: callable, with languageModel. */
function fakeProvider(name: string) {
  const languageModel = (modelId: string) => ({ specificationVersion: "v3", provider: `${name}.chat`, modelId, doGenerate: async () => ({}), doStream: async () => ({}) });
  return Object.assign(languageModel, { languageModel });
}

describe("aiSdkModelFromString", () => {
  test("splits provider and model at the first slash, with or without the prefix", () => {
    expect(parseModelString("ai-sdk:google/gemini-2.0-flash")).toEqual({ providerName: "google", modelId: "gemini-2.0-flash" });
    expect(parseModelString("ai-sdk:amazon-bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0")).toEqual({
      providerName: "amazon-bedrock",
      modelId: "anthropic.claude-3-5-sonnet-20241022-v2:0",
    });
    expect(parseModelString("gateway/openai/gpt-4o")).toEqual({ providerName: "gateway", modelId: "openai/gpt-4o" });
  });

  test.each(["ai-sdk:google", "ai-sdk:/model", "ai-sdk:Google/x", "ai-sdk:../evil/x", "ai-sdk:google/"])("refuses %s", (spec) => {
    expect(() => parseModelString(spec)).toThrow(AgentConfigurationError);
  });

  test("a provider package that is not installed names the install command", async () => {
    const error = await aiSdkModelFromString("ai-sdk:google/gemini-2.0-flash").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MissingPackageError);
    expect((error as Error).message).toContain("npm install @ai-sdk/google");
  });

  test("loads an installed package's ready-made provider: @ai-sdk/gateway", async () => {
    const model = await aiSdkModelFromString("ai-sdk:gateway/openai/gpt-4o");
    expect(model).toBeInstanceOf(AiSdkModel);
    expect(model.modelId).toBe("openai/gpt-4o");
    expect(model.provider).toBe("gateway");
  });

  test("imports @ai-sdk/<provider>, takes the export named after it, and names its key", async () => {
    const imported: string[] = [];
    const importModule = async (specifier: string) => {
      imported.push(specifier);
      return { createAmazonBedrock: () => fakeProvider("other"), amazonBedrock: fakeProvider("bedrock"), helper: fakeProvider("helper") };
    };
    const model = await aiSdkModelFromString("ai-sdk:amazon-bedrock/some.model:0", { importModule, timeoutMs: 5 });
    expect(imported).toEqual(["@ai-sdk/amazon-bedrock"]);
    expect(model.provider).toBe("bedrock.chat");
    expect(model.modelId).toBe("some.model:0");
    expect((model as unknown as { credentialName: string }).credentialName).toContain("AWS_ACCESS_KEY_ID");
  });

  test("falls back to the default export, then to the only provider exported; a given credentialName wins", async () => {
    const viaDefault = await aiSdkModelFromString("ai-sdk:acme/m", { importModule: async () => ({ default: fakeProvider("acme") }), credentialName: "ACME_KEY" });
    expect(viaDefault.provider).toBe("acme.chat");
    expect((viaDefault as unknown as { credentialName: string }).credentialName).toBe("ACME_KEY");
    const only = await aiSdkModelFromString("ai-sdk:google-vertex/gemini", { importModule: async () => ({ vertex: fakeProvider("vertex"), createVertex: () => undefined }) });
    expect(only.provider).toBe("vertex.chat");
  });

  test("a package without a ready-made provider says to build the model with its factory", async () => {
    const error = await aiSdkModelFromString("ai-sdk:openai-compatible/m", { importModule: () => import("@ai-sdk/openai-compatible") }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AgentConfigurationError);
    expect((error as Error).message).toContain("new AiSdkModel({ model })");
  });
});
