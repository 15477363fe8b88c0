import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModelV2, LanguageModelV3 } from "@ai-sdk/provider";
import { afterEach, beforeEach, describe, expect, test } from "vitest";

import { AgentConfigurationError, MissingCredentialsError, ModelCallError } from "../src/errors.js";
import { AiSdkModel, type AiSdkModelOptions } from "../src/models/ai-sdk/ai-sdk-model.js";
import type { AiSdkLanguageModel } from "../src/models/ai-sdk/language-model-spec.js";
import { messageText, type ChatMessage, type ChatMessageStreamDelta } from "../src/models/model.js";
import { modelContract } from "./model-contract.js";
import { startOpenAICompatibleServer, type ModelTestServer } from "./support/openai-compatible-server.js";
import { rejection } from "./support/model-calls.js";

/**
 * An OpenAI-compatible language model of the AI SDK, pointed at the test server. It says the
 * server fetches `https:` images itself (the contract wants URLs sent as given); by default the
 * provider says it fetches none, and they are downloaded first.
 */
function languageModel(server: ModelTestServer, supportedUrls: Record<string, RegExp[]> = { "image/*": [/^https:\/\//] }): AiSdkLanguageModel {
  const provider = createOpenAICompatible({
    name: "test",
    baseURL: server.baseURL,
    apiKey: "test-key",
    includeUsage: true,
    supportsStructuredOutputs: true,
    supportedUrls: () => supportedUrls,
  });
  return provider.chatModel("test-model");
}

// Models of both specification versions are accepted by the public type, which names none of the SDK's.
const acceptsBothVersions: ((model: LanguageModelV3) => AiSdkLanguageModel) & ((model: LanguageModelV2) => AiSdkLanguageModel) = (model: LanguageModelV2 | LanguageModelV3) => model;
void acceptsBothVersions;

modelContract({
  name: "AiSdkModel",
  credentialName: "OPENAI_COMPATIBLE_API_KEY",
  create: (server, settings) => new AiSdkModel({ model: languageModel(server), credentialName: "OPENAI_COMPATIBLE_API_KEY", maxRetries: 2, ...settings }),
});

const QUESTION: ChatMessage[] = [{ role: "user", content: "Say hello." }];

async function collect(stream: AsyncIterable<ChatMessageStreamDelta>): Promise<ChatMessageStreamDelta[]> {
  const deltas: ChatMessageStreamDelta[] = [];
  for await (const delta of stream) deltas.push(delta);
  return deltas;
}

describe("AiSdkModel", () => {
  let server: ModelTestServer;
  const model = (options: Partial<AiSdkModelOptions> = {}) => new AiSdkModel({ model: languageModel(server), maxRetries: 0, ...options });
  const body = (index = 0) => server.requests[index]?.body as Record<string, unknown>;

  beforeEach(async () => {
    server = await startOpenAICompatibleServer();
  });
  afterEach(() => server.close());

  test("takes the model's id and provider", () => {
    const wrapped = model();
    expect(wrapped.modelId).toBe("test-model");
    expect(wrapped.provider).toBe("test.chat");
    expect(model({ modelId: "mine", contextWindow: 8192 })).toMatchObject({ modelId: "mine", contextWindow: 8192 });
  });

  test("refuses a model of another specification version, and what is no model", () => {
    const old = { specificationVersion: "v1", provider: "old", modelId: "m", doGenerate: async () => ({}), doStream: async () => ({}) };
    expect(() => new AiSdkModel({ model: old })).toThrow(AgentConfigurationError);
    expect(() => new AiSdkModel({ model: old })).toThrow(/implements "v1"/);
    expect(() => new AiSdkModel({ model: {} as AiSdkLanguageModel })).toThrow(/doGenerate and doStream/);
  });

  test("sends temperature, max tokens, stop sequences, tool choice and a JSON response format", async () => {
    server.enqueue({ kind: "reply", text: "{}" });
    await model().generate(QUESTION, {
      temperature: 0.3,
      maxTokens: 77,
      stopSequences: ["END", ""],
      tools: [{ name: "lookup", description: "Looks up.", parameters: { type: "object", properties: { q: { type: "string" } } } }],
      toolChoice: "required",
      responseFormat: { type: "json_object" },
    });
    expect(body()).toMatchObject({
      model: "test-model",
      temperature: 0.3,
      max_tokens: 77,
      stop: ["END"],
      tool_choice: "required",
      response_format: { type: "json_object" },
      tools: [{ type: "function", function: { name: "lookup", description: "Looks up.", parameters: { type: "object", properties: { q: { type: "string" } } } } }],
    });
  });

  test("toolChoice is left out without tools", async () => {
    server.enqueue({ kind: "reply", text: "hi" });
    await model().generate(QUESTION, { toolChoice: "required" });
    expect(body()).not.toHaveProperty("tool_choice");
    expect(body()).not.toHaveProperty("tools");
  });

  test("a conversation with a tool call and its result reaches the server in the provider's format", async () => {
    server.enqueue({ kind: "reply", text: "Sunny." });
    await model().generate([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Weather?" },
      { role: "assistant", content: "Let me look.", toolCalls: [{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }] },
      { role: "tool", toolCallId: "call_1", content: "Sunny" },
      { role: "tool", toolCallId: "call_unknown", content: "orphan result" },
    ]);
    expect(body().messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Weather?" },
      { role: "assistant", content: "Let me look.", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: "Sunny" },
      { role: "user", content: "orphan result" },
    ]);
  });

  test("a stop sequence the server honours is cut from a stream that ends normally, with the server's usage", async () => {
    server.enqueue({ kind: "reply", text: "abc STOP def", usage: { inputTokens: 5, outputTokens: 2 } });
    const deltas = await collect(model().generateStream(QUESTION, { stopSequences: ["STOP"] }));
    expect(deltas.map((delta) => delta.content ?? "").join("")).toBe("abc ");
    expect(deltas.at(-1)?.tokenUsage).toEqual({ inputTokens: 5, outputTokens: 2 });
  });

  test("a stream cut at a stop sequence reports estimated usage, and closes the connection", async () => {
    server.enqueue({ kind: "reply", text: "abc STOP " + "x".repeat(400), honourStop: false, chunkSize: 2, chunkDelayMs: 5 });
    const deltas = await collect(model().generateStream(QUESTION, { stopSequences: ["STOP"] }));
    expect(deltas.map((delta) => delta.content ?? "").join("")).toBe("abc ");
    expect(deltas.at(-1)?.tokenUsage?.estimated).toBe(true);
    await expect.poll(() => server.requests[0]?.disconnected).toBe(true);
  });

  test("a 401 names the credential; the default names the provider's key", async () => {
    server.enqueue({ kind: "error", status: 401, message: "Bad key." }, { kind: "error", status: 401, message: "Bad key." });
    const named = await rejection(model({ credentialName: "MY_KEY" }).generate(QUESTION));
    expect(named).toBeInstanceOf(ModelCallError);
    expect((named as ModelCallError).message).toMatch(/answered 401: Bad key\..*MY_KEY/);
    expect((named as ModelCallError).option).toBe("apiKey");
    expect((await rejection(model().generate(QUESTION))) as Error).toHaveProperty("message", expect.stringContaining("the provider's API key"));
  });

  test("supportsStop: false never sends stop sequences, and still cuts them", async () => {
    server.enqueue({ kind: "reply", text: "one two", honourStop: false });
    const reply = await model({ supportsStop: false }).generate(QUESTION, { stopSequences: ["two"] });
    expect(messageText(reply.content)).toBe("one ");
    expect(body()).not.toHaveProperty("stop");
  });

  test("a stream of something else than the protocol is a ModelCallError", async () => {
    server.enqueue({ kind: "raw", contentType: "text/html", body: "<html><body>Welcome to nginx!</body></html>" });
    const error = await rejection(collect(model().generateStream(QUESTION)));
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as Error).message).toContain('"test-model"');
  });

  test("a connection refused is a retryable ModelCallError", async () => {
    const { origin } = server;
    await server.close();
    const provider = createOpenAICompatible({ name: "test", baseURL: `${origin}/v1`, apiKey: "k" });
    const error = await rejection(new AiSdkModel({ model: provider.chatModel("m"), maxRetries: 0 }).generate(QUESTION));
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).retryable).toBe(true);
    server = await startOpenAICompatibleServer();
  });

  test("a connection that breaks mid-stream says so, retryable, not that the URL may be a web page", async () => {
    server.enqueue({ kind: "reply", text: "Paris is the capital of France.", dropAfterChunks: 4 });
    const received: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const delta of model().generateStream(QUESTION)) if (delta.content) received.push(delta.content);
      })(),
    );
    expect(received.join("")).not.toBe("");
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).retryable).toBe(true);
    expect((error as Error).message).toContain("broke while reading its reply");
    expect((error as Error).message).not.toContain("web page");
  });

  test("an image at a URL the model does not fetch itself is downloaded and sent as bytes", async () => {
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
    const images = createServer((_request, response) => response.writeHead(200, { "content-type": "image/png" }).end(png));
    await new Promise<void>((resolve) => images.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(images.address() as AddressInfo).port}/cat`;
      server.enqueue({ kind: "reply", text: "A cat." });
      await new AiSdkModel({ model: languageModel(server, {}), maxRetries: 0 }).generate([{ role: "user", content: [{ type: "image", image: url }] }]);
      expect(server.imagesSent(server.requests[0]!)).toEqual([`data:image/png;base64,${png.toString("base64")}`]);
      server.enqueue({ kind: "reply", text: "A cat." });
      await new AiSdkModel({ model: languageModel(server, { "*/*": [/^http:/] }), maxRetries: 0 }).generate([{ role: "user", content: [{ type: "image", image: url }] }]);
      expect(server.imagesSent(server.requests[1]!)).toEqual([url]);
    } finally {
      images.closeAllConnections();
      await new Promise((resolve) => images.close(resolve));
    }
  });

  test("providerOptions and headers reach the provider", async () => {
    server.enqueue({ kind: "reply", text: "ok" });
    await model({ providerOptions: { test: { user: "someone" } }, headers: { "x-extra": "1" } }).generate(QUESTION);
    expect(body()).toMatchObject({ user: "someone" });
    expect(server.requests[0]?.headers["x-extra"]).toBe("1");
  });
});

/** A scripted model of the specification, for what the OpenAI-compatible provider never does. */
function scriptedModel(version: "v2" | "v3", generate: () => unknown, streamParts: unknown[] = []): AiSdkLanguageModel & { calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    specificationVersion: version,
    provider: "scripted",
    modelId: "scripted-model",
    calls,
    doGenerate: async (options: unknown) => {
      calls.push(options);
      return generate();
    },
    doStream: async (options: unknown) => {
      calls.push(options);
      return { stream: new ReadableStream({ start: (controller) => (streamParts.forEach((part) => controller.enqueue(part)), controller.close()) }) };
    },
  };
}

describe("AiSdkModel with other providers' answers", () => {
  test("v2 usage is flat; cache reads are reported", async () => {
    const model = scriptedModel("v2", () => ({ content: [{ type: "text", text: "hi" }], usage: { inputTokens: 10, outputTokens: 2, totalTokens: 12, cachedInputTokens: 4 }, finishReason: "stop", warnings: [] }));
    const reply = await new AiSdkModel({ model }).generate(QUESTION);
    expect(reply.tokenUsage).toEqual({ inputTokens: 10, outputTokens: 2, cacheReadTokens: 4 });
  });

  test("v3 usage without totals is summed from its parts; cache writes are reported", async () => {
    const usage = { inputTokens: { total: undefined, noCache: 3, cacheRead: 5, cacheWrite: 2 }, outputTokens: { total: undefined, text: 4, reasoning: 6 } };
    const model = scriptedModel("v3", () => ({ content: [{ type: "reasoning", text: "hmm" }, { type: "text", text: "hi" }], usage, finishReason: { unified: "stop", raw: "STOP" }, warnings: [] }));
    const reply = await new AiSdkModel({ model }).generate(QUESTION);
    expect(messageText(reply.content)).toBe("hi");
    expect(reply.tokenUsage).toEqual({ inputTokens: 10, outputTokens: 10, cacheReadTokens: 5, cacheWriteTokens: 2 });
  });

  test("a tool call sent whole in a stream, without input deltas, arrives as one delta; provider-run calls are left out", async () => {
    const model = scriptedModel("v3", () => undefined, [
      { type: "stream-start", warnings: [] },
      { type: "tool-call", toolCallId: "web", toolName: "web_search", input: "{}", providerExecuted: true },
      { type: "tool-call", toolCallId: "c1", toolName: "get_weather", input: '{"city":"Paris"}' },
      { type: "finish", usage: { inputTokens: { total: 1 }, outputTokens: { total: 1 } }, finishReason: { unified: "tool-calls", raw: "STOP" } },
    ]);
    const deltas = await collect(new AiSdkModel({ model }).generateStream(QUESTION));
    expect(deltas).toEqual([{ toolCalls: [{ index: 0, id: "c1", name: "get_weather", argumentsDelta: '{"city":"Paris"}' }] }, { tokenUsage: { inputTokens: 1, outputTokens: 1 } }]);
  });

  test("a stream that ends with nothing, not even a finish, is a ModelCallError", async () => {
    const model = scriptedModel("v2", () => undefined, [{ type: "stream-start", warnings: [] }, { type: "finish", usage: {}, finishReason: "unknown" }]);
    const error = await rejection(collect(new AiSdkModel({ model }).generateStream(QUESTION)));
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as Error).message).toContain("without any reply");
  });

  test("an error part in a stream is a ModelCallError", async () => {
    const model = scriptedModel("v3", () => undefined, [{ type: "text-delta", id: "t", delta: "par" }, { type: "error", error: new Error("overloaded") }]);
    const error = await rejection(collect(new AiSdkModel({ model }).generateStream(QUESTION)));
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as Error).message).toContain("overloaded");
  });

  test.each([
    ["an Anthropic-style overload", { type: "overloaded_error", message: "Overloaded" }, "Overloaded", true],
    ["an OpenAI-style server error", { error: { message: "The server had an error", type: "server_error" } }, "The server had an error", true],
    ["a 429 status", { code: 429, message: "Slow down" }, "Slow down", true],
    ["an invalid request", { type: "invalid_request_error", message: "Bad tool schema" }, "Bad tool schema", false],
    ["an object without a message", { reason: "unknown" }, '{"reason":"unknown"}', false],
  ])("an error part holding a plain object, %s, is read: its message quoted, retryable when it says so", async (_kind, reported, message, retryable) => {
    const model = scriptedModel("v3", () => undefined, [{ type: "text-delta", id: "t", delta: "par" }, { type: "error", error: reported }]);
    const error = await rejection(collect(new AiSdkModel({ model }).generateStream(QUESTION)));
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain("[object Object]");
    expect((error as ModelCallError).retryable).toBe(retryable);
  });

  test("a stream that stalls ends after timeoutMs, retryable, and aborts the provider's request", async () => {
    const model = scriptedModel("v3", () => undefined);
    let requestSignal: AbortSignal | undefined;
    model.doStream = async (options: unknown) => {
      requestSignal = (options as { abortSignal?: AbortSignal }).abortSignal;
      return { stream: new ReadableStream({ start: (controller) => controller.enqueue({ type: "text-delta", id: "t", delta: "par" }) }) };
    };
    const error = await rejection(collect(new AiSdkModel({ model, timeoutMs: 200, maxRetries: 0 }).generateStream(QUESTION)));
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error).toMatchObject({ retryable: true, option: "timeoutMs" });
    expect((error as Error).message).toContain("stopped sending");
    expect(requestSignal?.aborted).toBe(true);
  });

  test("an image that is not a URL, such as a file name, is an AgentConfigurationError saying what to pass", async () => {
    const model = scriptedModel("v3", () => ({ content: [], usage: undefined, warnings: [] }));
    const error = await rejection(new AiSdkModel({ model }).generate([{ role: "user", content: [{ type: "image", image: "cat.png" }] }]));
    expect(error).toBeInstanceOf(AgentConfigurationError);
    expect((error as Error).message).toMatch(/https: or data: URL, or its bytes.*"cat\.png"/);
    expect(model.calls).toHaveLength(0);
  });

  test("an image URL is sent as a URL, bytes and data URLs as base64 with their media type", async () => {
    const model = scriptedModel("v3", () => ({ content: [], usage: undefined, warnings: [] }));
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2]);
    await new AiSdkModel({ model }).generate([
      {
        role: "user",
        content: [
          { type: "image", image: "https://example.com/cat.jpg" },
          { type: "image", image: png },
          { type: "image", image: "data:image/gif;base64,R0lG" },
        ],
      },
    ]);
    const prompt = (model.calls[0] as { prompt: { content: { data: unknown; mediaType: string }[] }[] }).prompt;
    expect(prompt[0]?.content).toEqual([
      { type: "file", data: new URL("https://example.com/cat.jpg"), mediaType: "image/*" },
      { type: "file", data: Buffer.from(png).toString("base64"), mediaType: "image/png" },
      { type: "file", data: "R0lG", mediaType: "image/gif" },
    ]);
  });

  test("a missing key is a MissingCredentialsError naming the credential", async () => {
    const keyError = Object.assign(new Error("API key is missing."), { [Symbol.for("vercel.ai.error.AI_LoadAPIKeyError")]: true, name: "AI_LoadAPIKeyError" });
    const model = scriptedModel("v3", () => {
      throw keyError;
    });
    const error = await rejection(new AiSdkModel({ model, credentialName: "SCRIPTED_API_KEY" }).generate(QUESTION));
    expect(error).toBeInstanceOf(MissingCredentialsError);
    expect((error as MissingCredentialsError).variables).toEqual(["SCRIPTED_API_KEY"]);
  });
});
