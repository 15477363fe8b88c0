import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import { AgentConfigurationError, ModelCallError } from "../src/errors.js";
import { AnthropicModel, type AnthropicModelOptions } from "../src/models/anthropic/anthropic-model.js";
import { messageText, type ChatMessage, type ChatMessageStreamDelta, type ModelToolSpec } from "../src/models/model.js";
import { modelContract } from "./model-contract.js";
import { anthropicReplyBody, anthropicSse, anthropicStreamEvents, startAnthropicServer } from "./support/anthropic-protocol.js";
import type { ModelTestServer, RawBehaviour } from "./support/openai-compatible-server.js";
import { textOf as collect } from "./support/model-calls.js";

modelContract({
  name: "AnthropicModel",
  credentialName: "ANTHROPIC_API_KEY",
  create: (server, settings) => new AnthropicModel({ modelId: "claude-test", apiKey: "sk-ant-test", baseURL: server.baseURL, maxRetries: 2, ...settings }),
  startServer: startAnthropicServer,
});

const QUESTION: ChatMessage[] = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Weather in Paris and Rome?" },
];

const WEATHER_TOOL: ModelToolSpec = {
  name: "get_weather",
  description: "Current weather for a city.",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("AnthropicModel", () => {
  let server: ModelTestServer;
  const model = (options: Partial<AnthropicModelOptions> = {}) =>
    new AnthropicModel({ modelId: "claude-sonnet-4-5", apiKey: "sk-ant-test", baseURL: server.baseURL, maxRetries: 0, ...options });
  const body = (index = 0) => server.requests[index]?.body as Record<string, any>;
  const json = (body: object): RawBehaviour => ({ kind: "raw", contentType: "application/json", body: JSON.stringify(body) });
  const sse = (events: Parameters<typeof anthropicSse>[0]): RawBehaviour => ({ kind: "raw", contentType: "text/event-stream", body: anthropicSse(events).join("") });

  beforeEach(async () => {
    server = await startAnthropicServer();
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await server.close();
  });

  describe("request", () => {
    test("system messages go to the top-level system field as text blocks; turns alternate", async () => {
      server.enqueue({ kind: "reply", text: "ok" });
      await model().generate([
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello." },
        { role: "system", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: "How are you?" },
        { role: "user", content: "And the weather?" },
      ]);
      expect(body().system).toEqual([
        { type: "text", text: "Be brief." },
        { type: "text", text: "Answer in French.", cache_control: { type: "ephemeral" } },
      ]);
      expect(body().messages).toEqual([
        { role: "user", content: [{ type: "text", text: "Hi" }] },
        { role: "assistant", content: [{ type: "text", text: "Hello." }] },
        { role: "user", content: [{ type: "text", text: "How are you?" }, { type: "text", text: "And the weather?", cache_control: { type: "ephemeral" } }] },
      ]);
      expect(server.requests[0]?.path).toBe("/v1/messages");
    });

    test("blank text is left out; a tool message without a call id is user text; a tool result may hold images", async () => {
      server.enqueue({ kind: "reply", text: "ok" });
      await model({ promptCaching: false }).generate([
        { role: "user", content: [{ type: "text", text: "Look" }, { type: "text", text: "  \n" }] },
        { role: "assistant", content: " ", toolCalls: [{ id: "toolu_1", name: "screenshot", arguments: {} }] },
        { role: "tool", toolCallId: "toolu_1", content: [{ type: "text", text: "Here:" }, { type: "image", image: "https://example.com/shot.png" }] },
        { role: "tool", content: "an observation without a call id" },
      ]);
      expect(body().messages).toEqual([
        { role: "user", content: [{ type: "text", text: "Look" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "screenshot", input: {} }] },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "toolu_1",
              content: [
                { type: "text", text: "Here:" },
                { type: "image", source: { type: "url", url: "https://example.com/shot.png" } },
              ],
            },
            { type: "text", text: "an observation without a call id" },
          ],
        },
      ]);
      expect(server.imagesSent(server.requests[0]!)).toEqual(["https://example.com/shot.png"]);
    });

    test("max_tokens is always sent: 8192 by default, 4096 for Claude 3, the option or the call's maxTokens otherwise", async () => {
      server.enqueue({ kind: "reply", text: "1" }, { kind: "reply", text: "2" }, { kind: "reply", text: "3" }, { kind: "reply", text: "4" });
      await model().generate(QUESTION);
      await model({ modelId: "claude-3-haiku-20240307" }).generate(QUESTION);
      await model({ maxTokens: 2000 }).generate(QUESTION);
      await model({ maxTokens: 2000 }).generate(QUESTION, { maxTokens: 300, temperature: 0.2 });
      expect([0, 1, 2, 3].map((index) => body(index).max_tokens)).toEqual([8192, 4096, 2000, 300]);
      expect(body(3).temperature).toBe(0.2);
    });

    test("stop sequences are sent as stop_sequences; a reply that stopped at one keeps its text", async () => {
      server.enqueue(json(anthropicReplyBody([{ type: "text", text: "Thought: add.\n" }], { stopReason: "stop_sequence", stopSequence: "Observation:" })));
      const reply = await model().generate(QUESTION, { stopSequences: ["Observation:", "\t"] });
      expect(body().stop_sequences).toEqual(["Observation:"]);
      expect(messageText(reply.content)).toBe("Thought: add.\n");
    });

    test("images: https URLs as a url source, bytes and data: URLs as a base64 source", async () => {
      server.enqueue({ kind: "reply", text: "ok" });
      await model({ promptCaching: false }).generate([
        {
          role: "user",
          content: [
            { type: "image", image: "https://example.com/cat.png" },
            { type: "image", image: Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]) },
            { type: "image", image: "data:image/gif;base64,R0lGOD==" },
          ],
        },
      ]);
      expect(body().messages[0].content).toEqual([
        { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
        { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4A==" } },
        { type: "image", source: { type: "base64", media_type: "image/gif", data: "R0lGOD==" } },
      ]);
    });

    test.each([
      ["auto", { type: "auto" }],
      ["required", { type: "any" }],
      ["none", { type: "none" }],
    ] as const)("toolChoice %s is sent as tool_choice %o, with tools that have an input_schema", async (choice, expected) => {
      server.enqueue({ kind: "reply", text: "ok" });
      await model().generate(QUESTION, { tools: [WEATHER_TOOL], toolChoice: choice });
      expect(body().tool_choice).toEqual(expected);
      expect(body().tools).toEqual([{ name: "get_weather", description: "Current weather for a city.", input_schema: WEATHER_TOOL.parameters, cache_control: { type: "ephemeral" } }]);
    });

    test("prompt caching marks the system prompt, the last tool and the end of the conversation; promptCaching: false marks nothing", async () => {
      const tools = [WEATHER_TOOL, { ...WEATHER_TOOL, name: "get_time" }];
      server.enqueue({ kind: "reply", text: "1" }, { kind: "reply", text: "2" });
      await model().generate(QUESTION, { tools });
      await model({ promptCaching: false }).generate(QUESTION, { tools });
      expect(body(0).tools.map((tool: { cache_control?: unknown }) => tool.cache_control)).toEqual([undefined, { type: "ephemeral" }]);
      expect(body(0).system.at(-1).cache_control).toEqual({ type: "ephemeral" });
      // The end of the conversation is a breakpoint too: the next step's request repeats it and appends.
      expect(body(0).messages.at(-1).content.at(-1).cache_control).toEqual({ type: "ephemeral" });
      expect(JSON.stringify(body(1))).not.toContain("cache_control");
    });
  });

  describe("token usage", () => {
    const usage = { inputTokens: 1000, outputTokens: 20, cacheReadTokens: 900, cacheWriteTokens: 60 };

    test("cache reads and writes are reported, and inputTokens counts them", async () => {
      server.enqueue({ kind: "reply", text: "Paris.", usage });
      const reply = await model().generate(QUESTION);
      expect(reply.tokenUsage).toEqual(usage);
    });

    test("the same in a stream, on the last delta", async () => {
      server.enqueue({ kind: "reply", text: "Paris is sunny.", usage });
      const { deltas } = await collect(model().generateStream(QUESTION));
      expect(deltas.at(-1)?.tokenUsage).toEqual(usage);
    });
  });

  describe("tool calls", () => {
    test("parallel tool calls come back as several toolCalls; their results go back in one user turn", async () => {
      server.enqueue(
        json(
          anthropicReplyBody([
            { type: "text", text: "Checking both." },
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
            { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Rome" } },
          ]),
        ),
        { kind: "reply", text: "Sunny in both." },
      );
      const first = await model().generate(QUESTION, { tools: [WEATHER_TOOL] });
      expect(first.toolCalls).toEqual([
        { id: "toolu_1", name: "get_weather", arguments: { city: "Paris" } },
        { id: "toolu_2", name: "get_weather", arguments: { city: "Rome" } },
      ]);
      expect(messageText(first.content)).toBe("Checking both.");
      await model({ promptCaching: false }).generate(
        [...QUESTION, first, { role: "tool", toolCallId: "toolu_1", content: "Sunny" }, { role: "tool", toolCallId: "toolu_2", content: "Sunny too" }, { role: "user", content: "Thanks" }],
        { tools: [WEATHER_TOOL] },
      );
      expect(body(1).messages.slice(1)).toEqual([
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking both." },
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
            { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Rome" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "Sunny" },
            { type: "tool_result", tool_use_id: "toolu_2", content: "Sunny too" },
            { type: "text", text: "Thanks" },
          ],
        },
      ]);
    });

    test("parallel tool calls stream as deltas with their own indexes", async () => {
      server.enqueue({
        kind: "reply",
        toolCalls: [
          { id: "toolu_1", name: "get_weather", arguments: '{"city":"Paris"}' },
          { id: "toolu_2", name: "get_weather", arguments: '{"city":"Rome"}' },
        ],
      });
      const { deltas } = await collect(model().generateStream(QUESTION, { tools: [WEATHER_TOOL] }));
      const calls: { id?: string; name?: string; arguments: string }[] = [];
      for (const call of deltas.flatMap((delta) => delta.toolCalls ?? [])) {
        const entry = (calls[call.index] ??= { arguments: "" });
        if (call.id) entry.id = call.id;
        if (call.name) entry.name = call.name;
        entry.arguments += call.argumentsDelta ?? "";
      }
      expect(calls.map((call) => [call.id, call.name, JSON.parse(call.arguments)])).toEqual([
        ["toolu_1", "get_weather", { city: "Paris" }],
        ["toolu_2", "get_weather", { city: "Rome" }],
      ]);
    });
  });

  describe("extended thinking", () => {
    const thinking = { type: "thinking", thinking: "The user wants Paris. Paris is the capital.", signature: "sig-abc" };

    test("is requested with its budget; thinking blocks never reach the text", async () => {
      server.enqueue(json(anthropicReplyBody([thinking, { type: "text", text: "Paris." }])));
      const reply = await model({ thinking: { budgetTokens: 2048 } }).generate(QUESTION, { temperature: 0.5 });
      expect(messageText(reply.content)).toBe("Paris.");
      expect(body().thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
      expect(body().max_tokens).toBe(8192 + 2048);
      expect(body().temperature).toBeUndefined();
    });

    test("thinking blocks never reach the text of a stream either", async () => {
      server.enqueue(sse(anthropicStreamEvents([thinking, { type: "text", text: "Paris, on the Seine." }], { chunkSize: 5 })));
      const { text, deltas } = await collect(model({ thinking: { budgetTokens: 2048 } }).generateStream(QUESTION));
      expect(text).toBe("Paris, on the Seine.");
      expect(JSON.stringify(deltas)).not.toContain("capital");
    });

    test.each([false, true])("the thinking before tool calls is sent back with them, signature intact (streamed: %s)", async (streamed) => {
      const blocks = [thinking, { type: "tool_use", id: "toolu_9", name: "get_weather", input: { city: "Paris" } }];
      server.enqueue(streamed ? sse(anthropicStreamEvents(blocks)) : json(anthropicReplyBody(blocks)), { kind: "reply", text: "Sunny." });
      const thinkingModel = model({ thinking: { budgetTokens: 1024 } });
      const assistant: ChatMessage = streamed
        ? { role: "assistant", content: "", toolCalls: [{ id: "toolu_9", name: "get_weather", arguments: { city: "Paris" } }] }
        : await thinkingModel.generate(QUESTION, { tools: [WEATHER_TOOL] });
      if (streamed) await collect(thinkingModel.generateStream(QUESTION, { tools: [WEATHER_TOOL] }));
      expect(assistant.toolCalls).toHaveLength(1);
      await thinkingModel.generate([...QUESTION, assistant, { role: "tool", toolCallId: "toolu_9", content: "Sunny" }], { tools: [WEATHER_TOOL] });
      expect(body(1).messages[1].content).toEqual([thinking, { type: "tool_use", id: "toolu_9", name: "get_weather", input: { city: "Paris" } }]);
      expect(body(1).thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    });

    test("tool calls whose thinking is unknown are sent without thinking, not rejected", async () => {
      server.enqueue({ kind: "reply", text: "Sunny." });
      await model({ thinking: { budgetTokens: 1024 } }).generate([
        ...QUESTION,
        { role: "assistant", content: "", toolCalls: [{ id: "toolu_x", name: "get_weather", arguments: { city: "Paris" } }] },
        { role: "tool", toolCallId: "toolu_x", content: "Sunny" },
      ]);
      expect(body().thinking).toBeUndefined();
      expect(body().messages[1].content).toEqual([{ type: "tool_use", id: "toolu_x", name: "get_weather", input: { city: "Paris" } }]);
    });

    test("a budget under 1024 tokens is refused at construction", () => {
      expect(() => model({ thinking: { budgetTokens: 500 } })).toThrow(AgentConfigurationError);
    });
  });

  describe("responseFormat", () => {
    const schema = { type: "object", properties: { capital: { type: "string" } }, required: ["capital"] };

    test("a JSON schema is asked for through a forced tool, whose input comes back as the text", async () => {
      server.enqueue(json(anthropicReplyBody([{ type: "tool_use", id: "toolu_f", name: "answer", input: { capital: "Paris" } }])));
      const reply = await model().generate(QUESTION, { responseFormat: { type: "json_schema", name: "answer", schema } });
      expect(JSON.parse(messageText(reply.content))).toEqual({ capital: "Paris" });
      expect(reply.toolCalls).toBeUndefined();
      expect(body().tool_choice).toEqual({ type: "tool", name: "answer" });
      expect(body().tools[0]).toMatchObject({ name: "answer", input_schema: schema });
    });

    test("streamed, the tool's input arrives as text, the same as generate's", async () => {
      const blocks = [{ type: "tool_use", id: "toolu_f", name: "answer", input: { capital: "Paris" } }];
      server.enqueue(json(anthropicReplyBody(blocks)), sse(anthropicStreamEvents(blocks, { chunkSize: 3 })));
      const format = { type: "json_schema", name: "answer", schema } as const;
      const reply = await model().generate(QUESTION, { responseFormat: format });
      const { text, deltas } = await collect(model().generateStream(QUESTION, { responseFormat: format }));
      expect(text).toBe(messageText(reply.content));
      expect(deltas.some((delta) => delta.toolCalls)).toBe(false);
    });

    test("a schema that is not an object is wrapped, and unwrapped from the reply", async () => {
      server.enqueue(json(anthropicReplyBody([{ type: "tool_use", id: "toolu_f", name: "cities", input: { value: ["Paris", "Rome"] } }])));
      const reply = await model().generate(QUESTION, { responseFormat: { type: "json_schema", name: "cities", schema: { type: "array", items: { type: "string" } } } });
      expect(JSON.parse(messageText(reply.content))).toEqual(["Paris", "Rome"]);
      expect(body().tools[0].input_schema).toEqual({ type: "object", properties: { value: { type: "array", items: { type: "string" } } }, required: ["value"] });
    });
  });

  describe("configuration and errors", () => {
    test("without a key or a baseURL, construction fails naming ANTHROPIC_API_KEY", () => {
      vi.stubEnv("ANTHROPIC_API_KEY", "");
      vi.stubEnv("ANTHROPIC_AUTH_TOKEN", "");
      vi.stubEnv("ANTHROPIC_BASE_URL", "");
      expect(() => new AnthropicModel({ modelId: "claude-sonnet-4-5" })).toThrow(/ANTHROPIC_API_KEY/);
    });

    test("the key and the base URL come from the environment; the key is sent", async () => {
      vi.stubEnv("ANTHROPIC_API_KEY", "sk-ant-from-env");
      vi.stubEnv("ANTHROPIC_BASE_URL", server.baseURL);
      server.enqueue({ kind: "reply", text: "ok" });
      const fromEnv = new AnthropicModel({ modelId: "claude-sonnet-4-5", maxRetries: 0 });
      expect(fromEnv.baseURL).toBe(server.baseURL);
      await fromEnv.generate(QUESTION);
      expect(JSON.stringify(server.requests[0]?.headers)).toContain("sk-ant-from-env");
    });

    test("contextWindow: the option, else 200 000 for Claude models", () => {
      expect(model().contextWindow).toBe(200_000);
      expect(model({ contextWindow: 1_000_000 }).contextWindow).toBe(1_000_000);
      expect(model({ modelId: "my-proxy-model" }).contextWindow).toBeUndefined();
    });

    test("an overloaded error inside a stream is a retryable ModelCallError", async () => {
      const events = anthropicStreamEvents([{ type: "text", text: "Par" }]).slice(0, 3);
      events.push({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
      server.enqueue(sse(events));
      const error = await collect(model().generateStream(QUESTION)).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(ModelCallError);
      expect((error as ModelCallError).retryable).toBe(true);
      expect((error as ModelCallError).message).toContain("Overloaded");
    });

    test("a connection that breaks mid-stream says so, retryable, without baseURL advice", async () => {
      server.enqueue({ kind: "reply", text: "Paris is the capital of France.", dropAfterChunks: 5 });
      const received: string[] = [];
      const error = await (async () => {
        for await (const delta of model().generateStream(QUESTION)) if (delta.content) received.push(delta.content);
      })().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(received.join("")).not.toBe("");
      expect(error).toBeInstanceOf(ModelCallError);
      expect((error as ModelCallError).retryable).toBe(true);
      expect((error as ModelCallError).message).toMatch(/broke while reading its reply/);
      expect((error as ModelCallError).message).not.toMatch(/baseURL|Could not reach/);
    });

    test("a conversation with nothing but blank messages is refused before sending, saying to add a user message", async () => {
      const error = await model()
        .generate([
          { role: "system", content: "You are terse." },
          { role: "user", content: "  " },
          { role: "assistant", content: "" },
        ])
        .catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(AgentConfigurationError);
      expect((error as Error).message).toMatch(/no message to send.*Add a user message/s);
      expect(server.requests).toHaveLength(0);
    });

    test("a data: URL that is not an image is refused, naming its media type", async () => {
      const error = await model()
        .generate([{ role: "user", content: [{ type: "image", image: "data:text/plain;base64,aGVsbG8=" }] }])
        .catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(AgentConfigurationError);
      expect((error as Error).message).toContain('"text/plain"');
      expect(server.requests).toHaveLength(0);
    });
  });
});
