import { describe, expect, test, vi } from "vitest";

import { AgentConfigurationError } from "../errors.js";
import { modelFromString, modelProviders } from "./model-string.js";
import { AnthropicModel } from "./anthropic/anthropic-model.js";
import { HfInferenceModel } from "./huggingface/hf-inference-model.js";
import { LazyModel } from "./lazy-model.js";
import { OpenAIModel } from "./openai/openai-model.js";

describe("modelFromString", () => {
  test("openai: the key from the environment; a string without a provider is OpenAI's", () => {
    const model = modelFromString("openai:gpt-4o-mini", { env: { OPENAI_API_KEY: "sk-test" } });
    expect(model).toBeInstanceOf(OpenAIModel);
    expect(model.modelId).toBe("gpt-4o-mini");
    expect(model.contextWindow).toBe(128_000);
    expect(modelFromString("gpt-4o", { env: { OPENAI_API_KEY: "sk-test" } }).modelId).toBe("gpt-4o");
  });

  test("openai without a key or a server: the error gives the line that sets it", () => {
    expect(() => modelFromString("openai:gpt-4o-mini", { env: {} })).toThrow(/openai:gpt-4o-mini needs OPENAI_API_KEY, which is not set\. Set it, e\.g\.\n  export OPENAI_API_KEY=sk-\.\.\./);
    expect((modelFromString("openai:local", { env: { OPENAI_BASE_URL: "http://127.0.0.1:9/v1" } }) as OpenAIModel).baseURL).toBe("http://127.0.0.1:9/v1");
  });

  test("local servers: their usual address, or where the environment says; a model id may hold colons", () => {
    const ollama = modelFromString("ollama:qwen2.5-coder:7b", { env: {} }) as OpenAIModel;
    expect(ollama.modelId).toBe("qwen2.5-coder:7b");
    expect(ollama.baseURL).toBe("http://127.0.0.1:11434/v1");
    expect((modelFromString("ollama:llama3.2", { env: { OLLAMA_HOST: "0.0.0.0:11500" } }) as OpenAIModel).baseURL).toBe("http://0.0.0.0:11500/v1");
    expect((modelFromString("vllm:Qwen/Qwen2.5-Coder-32B-Instruct", { env: {} }) as OpenAIModel).baseURL).toBe("http://127.0.0.1:8000/v1");
    expect((modelFromString("lmstudio:m", { env: { LMSTUDIO_BASE_URL: "http://box:1234/v1/" } }) as OpenAIModel).baseURL).toBe("http://box:1234/v1");
    expect((modelFromString("vllm:m", { env: {}, baseURL: "http://elsewhere:9/v1" }) as OpenAIModel).baseURL).toBe("http://elsewhere:9/v1");
  });

  test("azure: endpoint and key from the environment, each missing one named", () => {
    expect(() => modelFromString("azure:my-deployment", { env: {} })).toThrow(/export AZURE_OPENAI_ENDPOINT=/);
    expect(() => modelFromString("azure:my-deployment", { env: { AZURE_OPENAI_ENDPOINT: "https://r.openai.azure.com" } })).toThrow(/export AZURE_OPENAI_API_KEY=/);
    const model = modelFromString("azure:my-deployment", { env: { AZURE_OPENAI_ENDPOINT: "https://r.openai.azure.com", AZURE_OPENAI_API_KEY: "k" } });
    expect(model.modelId).toBe("my-deployment");
  });

  test("anthropic: ANTHROPIC_API_KEY from the environment, the window from the table", () => {
    const model = modelFromString("anthropic:claude-sonnet-4-5", { env: { ANTHROPIC_API_KEY: "sk-ant-test" } });
    expect(model).toBeInstanceOf(AnthropicModel);
    expect(model.contextWindow).toBe(200_000);
    expect(() => modelFromString("anthropic:claude-sonnet-4-5", { env: {} })).toThrow(/export ANTHROPIC_API_KEY=sk-ant-\.\.\./);
  });

  test("hf: a provider at the end, HF_TOKEN from the environment", () => {
    const model = modelFromString("hf:Qwen/Qwen2.5-Coder-32B-Instruct:together", { env: { HF_TOKEN: "hf_test" } });
    expect(model).toBeInstanceOf(HfInferenceModel);
    expect(model.modelId).toBe("Qwen/Qwen2.5-Coder-32B-Instruct");
    expect(() => modelFromString("hf:Qwen/Qwen2.5-Coder-32B-Instruct", { env: {} })).toThrow(/export HF_TOKEN=hf_\.\.\./);
  });

  test("ai-sdk: a model made on first use, from the provider package, which must be installed", async () => {
    const model = modelFromString("ai-sdk:google/gemini-2.0-flash", { env: {} });
    expect(model).toBeInstanceOf(LazyModel);
    expect(model.contextWindow).toBe(1_048_576);
    await expect(model.generate([{ role: "user", content: "hi" }])).rejects.toThrow(/npm install @ai-sdk\/google/);
  });

  test("a local server never gets the process's OpenAI key, nor does a server given in env without one", async () => {
    const { startOpenAICompatibleServer } = await import("../../test/support/openai-compatible-server.js");
    const server = await startOpenAICompatibleServer();
    vi.stubEnv("OPENAI_API_KEY", "sk-the-process-secret");
    try {
      server.enqueue({ kind: "reply", text: "1" }, { kind: "reply", text: "2" });
      await modelFromString("ollama:llama3", { env: { OLLAMA_HOST: server.origin } }).generate([{ role: "user", content: "hi" }]);
      await modelFromString("openai:local", { env: { OPENAI_BASE_URL: server.baseURL } }).generate([{ role: "user", content: "hi" }]);
      for (const request of server.requests) expect(request.headers["authorization"]).toBe("Bearer not-needed");
    } finally {
      vi.unstubAllEnvs();
      await server.close();
    }
  });

  test("spaces and capitals around the provider and the id do not matter; ai-sdk needs provider/model", () => {
    expect(modelFromString("  OpenAI: gpt-4o \n", { env: { OPENAI_API_KEY: "sk" } }).modelId).toBe("gpt-4o");
    expect(() => modelFromString("ai-sdk:google", { env: {} })).toThrow(/write ai-sdk:<provider>\/<model>/);
    expect(() => modelFromString("ai-sdk:/x", { env: {} })).toThrow(/write ai-sdk:<provider>\/<model>/);
    expect(modelFromString("ai-sdk:google/gemini-2.0-flash", { env: {} }).modelId).toBe("gemini-2.0-flash");
  });

  test("the API options reach the adapter", () => {
    const model = modelFromString("openai:my-finetune", { env: { OPENAI_API_KEY: "sk" }, contextWindow: 16_000, requestsPerMinute: 60 });
    expect(model.contextWindow).toBe(16_000);
  });

  test("an unknown provider lists every known one with an example; an empty id says what to write", () => {
    const error = (() => {
      try {
        modelFromString("nope:x");
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AgentConfigurationError);
    for (const provider of modelProviders()) expect(error?.message).toContain(provider.example);
    expect(() => modelFromString("ollama:", { env: {} })).toThrow(/names no model: give one after the colon, e\.g\. ollama:/);
  });
});
