import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import { AgentConfigurationError, ModelCallError } from "../src/errors.js";
import { applyStopSequences, messageText, type ChatMessage, type ChatMessageStreamDelta } from "../src/models/model.js";
import { OpenAIModel, type OpenAIModelOptions } from "../src/models/openai/openai-model.js";
import { StopSequenceFilter } from "../src/models/stop-sequence-filter.js";
import { modelContract } from "./model-contract.js";
import { startOpenAICompatibleServer, type ModelTestServer, type RawBehaviour } from "./support/openai-compatible-server.js";
import { textOf, rejection } from "./support/model-calls.js";

modelContract({
  name: "OpenAIModel",
  credentialName: "OPENAI_API_KEY",
  create: (server, settings) => new OpenAIModel({ modelId: "test-model", baseURL: server.baseURL, maxRetries: 2, ...settings }),
});

const QUESTION: ChatMessage[] = [{ role: "user", content: "Say hello." }];

describe("OpenAIModel", () => {
  let server: ModelTestServer;
  const model = (options: Partial<OpenAIModelOptions> = {}) =>
    new OpenAIModel({ modelId: "test-model", baseURL: server.baseURL, maxRetries: 0, ...options });
  const body = (index = 0) => server.requests[index]?.body as Record<string, unknown>;

  beforeEach(async () => {
    server = await startOpenAICompatibleServer();
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await server.close();
  });

  describe("request", () => {
    test("converts every role: system, user with images, assistant tool calls, tool results", async () => {
      server.enqueue({ kind: "reply", text: "ok" });
      await model().generate([
        { role: "system", content: [{ type: "text", text: "Be brief." }] },
        { role: "user", content: [{ type: "text", text: "Hi " }, { type: "text", text: "there" }] },
        {
          role: "user",
          content: [
            { type: "text", text: "Look:" },
            { type: "image", image: Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]) },
          ],
        },
        { role: "assistant", content: "Checking.", toolCalls: [{ id: "call_1", name: "lookup", arguments: { q: "x" } }] },
        { role: "tool", toolCallId: "call_1", content: "found" },
        { role: "tool", content: "an observation without a call id" },
        { role: "assistant", content: "Done." },
      ]);
      expect(body().messages).toEqual([
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi there" },
        {
          role: "user",
          content: [
            { type: "text", text: "Look:" },
            { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4A==" } },
          ],
        },
        { role: "assistant", content: "Checking.", tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }] },
        { role: "tool", tool_call_id: "call_1", content: "found" },
        { role: "user", content: "an observation without a call id" },
        { role: "assistant", content: "Done." },
      ]);
    });

    test("sends model, tools, tool_choice, response_format, max_tokens, temperature and stop", async () => {
      server.enqueue({ kind: "reply", text: "{}" });
      await model().generate(QUESTION, {
        tools: [{ name: "lookup", description: "Looks up.", parameters: { type: "object", properties: { q: { type: "string" } } } }],
        toolChoice: "required",
        responseFormat: { type: "json_schema", name: "answer", schema: { type: "object", properties: { a: { type: "number" } } } },
        maxTokens: 100,
        temperature: 0.2,
        stopSequences: ["</code>", ""],
      });
      expect(body()).toMatchObject({
        model: "test-model",
        tools: [{ type: "function", function: { name: "lookup", description: "Looks up.", parameters: { type: "object", properties: { q: { type: "string" } } } } }],
        tool_choice: "required",
        response_format: { type: "json_schema", json_schema: { name: "answer", schema: { type: "object", properties: { a: { type: "number" } } } } },
        max_tokens: 100,
        temperature: 0.2,
        stop: ["</code>"],
      });
      expect(body().stream).toBe(false);
    });

    test("leaves out what was not asked for; json_object response format", async () => {
      server.enqueue({ kind: "reply", text: "{}" });
      await model().generate(QUESTION, { responseFormat: { type: "json_object" } });
      expect(Object.keys(body()).sort()).toEqual(["messages", "model", "response_format", "stream"]);
      expect(body().stream).toBe(false);
      expect(body().response_format).toEqual({ type: "json_object" });
    });

    test("defaultOptions fill in what a call leaves out; extraBody adds server-specific fields", async () => {
      server.enqueue({ kind: "reply", text: "a" }, { kind: "reply", text: "b" });
      const configured = model({ defaultOptions: { temperature: 0, maxTokens: 50 }, extraBody: { top_k: 20 }, maxTokensParameter: "max_completion_tokens" });
      await configured.generate(QUESTION);
      await configured.generate(QUESTION, { temperature: 0.7 });
      expect(body(0)).toMatchObject({ temperature: 0, max_completion_tokens: 50, top_k: 20 });
      expect(body(0)).not.toHaveProperty("max_tokens");
      expect(body(1)).toMatchObject({ temperature: 0.7, max_completion_tokens: 50 });
    });

    test("streaming asks for usage in the stream", async () => {
      server.enqueue({ kind: "reply", text: "hello" });
      await textOf(model().generateStream(QUESTION));
      expect(body()).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    });

    test("sends the API key, organization and custom headers; a local server needs no key", async () => {
      server.enqueue({ kind: "reply", text: "a" }, { kind: "reply", text: "b" });
      vi.stubEnv("OPENAI_API_KEY", "");
      await model({ apiKey: "sk-test", organization: "org-1", headers: { "x-trace": "abc" } }).generate(QUESTION);
      await model().generate(QUESTION);
      expect(server.requests[0]?.headers).toMatchObject({ authorization: "Bearer sk-test", "openai-organization": "org-1", "x-trace": "abc" });
      expect(server.requests[1]?.headers.authorization).toBe("Bearer not-needed");
      expect(server.requests[0]?.path).toBe("/v1/chat/completions");
    });

    test("the key comes from OPENAI_API_KEY when not given", async () => {
      vi.stubEnv("OPENAI_API_KEY", "sk-from-env");
      server.enqueue({ kind: "reply", text: "a" });
      await model().generate(QUESTION);
      expect(server.requests[0]?.headers.authorization).toBe("Bearer sk-from-env");
    });

    test("more than 4 stop sequences: the first 4 are sent, all are applied", async () => {
      server.enqueue({ kind: "reply", text: "one two three four five six", honourStop: false });
      const reply = await model().generate(QUESTION, { stopSequences: ["A", "B", "C", "D", " six"] });
      expect(body().stop).toEqual(["A", "B", "C", "D"]);
      expect(messageText(reply.content)).toBe("one two three four five");
    });

    test("an injected fetch sends the requests", async () => {
      server.enqueue({ kind: "reply", text: "via injected fetch" });
      const urls: string[] = [];
      const fetch: typeof globalThis.fetch = (input, init) => {
        urls.push(String(input instanceof Request ? input.url : input));
        return globalThis.fetch(input, init);
      };
      const reply = await model({ fetch }).generate(QUESTION);
      expect(messageText(reply.content)).toBe("via injected fetch");
      expect(urls).toEqual([`${server.baseURL}/chat/completions`]);
    });

    test("Azure: the deployment path, api-version and api-key header", async () => {
      server.enqueue({ kind: "reply", text: "from azure" });
      const azure = new OpenAIModel({
        modelId: "gpt-4o-mini",
        apiKey: "azure-key",
        maxRetries: 0,
        azure: { endpoint: `${server.origin}/`, apiVersion: "2024-10-21", deployment: "my-deployment" },
      });
      const reply = await azure.generate(QUESTION);
      expect(messageText(reply.content)).toBe("from azure");
      expect(server.requests[0]?.path).toBe("/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21");
      expect(server.requests[0]?.headers["api-key"]).toBe("azure-key");
    });
  });

  describe("configuration errors", () => {
    test("no key and no baseURL: the message names OPENAI_API_KEY and the baseURL option", () => {
      vi.stubEnv("OPENAI_API_KEY", "");
      vi.stubEnv("OPENAI_BASE_URL", "");
      const error = (() => {
        try {
          new OpenAIModel({ modelId: "gpt-4o-mini" });
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(AgentConfigurationError);
      expect((error as Error).message).toContain("OPENAI_API_KEY");
      expect((error as Error).message).toContain("baseURL");
    });

    test("Azure without credentials names AZURE_OPENAI_API_KEY", () => {
      vi.stubEnv("AZURE_OPENAI_API_KEY", "");
      expect(() => new OpenAIModel({ modelId: "m", azure: { endpoint: "https://example.invalid", apiVersion: "2024-10-21" } })).toThrow(/AZURE_OPENAI_API_KEY/);
    });

    test("image bytes of unknown type without mediaType", async () => {
      await expect(model().generate([{ role: "user", content: [{ type: "image", image: Uint8Array.from([1, 2, 3]) }] }])).rejects.toThrow(/mediaType/);
      expect(server.requests).toHaveLength(0);
    });
  });

  describe("replies", () => {
    test("tool-call arguments that are not JSON come back as text; empty arguments as {}", async () => {
      server.enqueue({
        kind: "reply",
        text: "Calling.",
        toolCalls: [
          { id: "c1", name: "broken", arguments: "{city: Paris" },
          { id: "c2", name: "no_args", arguments: "" },
        ],
      });
      const reply = await model().generate(QUESTION, { tools: [{ name: "broken", description: "", parameters: true }] });
      expect(messageText(reply.content)).toBe("Calling.");
      expect(reply.toolCalls).toEqual([
        { id: "c1", name: "broken", arguments: "{city: Paris" },
        { id: "c2", name: "no_args", arguments: {} },
      ]);
      expect((body().tools as unknown[])[0]).toEqual({ type: "function", function: { name: "broken", description: "", parameters: { type: "object", properties: {} } } });
    });
  });

  describe("supportsStop: false", () => {
    test("stop is not sent, and stop sequences are applied to the reply", async () => {
      server.enqueue({ kind: "reply", text: "answer<end>more" });
      const reply = await model({ supportsStop: false }).generate(QUESTION, { stopSequences: ["<end>"] });
      expect(body()).not.toHaveProperty("stop");
      expect(messageText(reply.content)).toBe("answer");
    });

    test("in a stream, the HTTP stream is closed once a stop sequence appears", async () => {
      server.enqueue({ kind: "reply", text: `answer<end>${"more ".repeat(200)}`, chunkSize: 3, chunkDelayMs: 5 });
      const started = performance.now();
      const { text, deltas } = await textOf(model({ supportsStop: false }).generateStream(QUESTION, { stopSequences: ["<end>"] }));
      expect(text).toBe("answer");
      // The server's count would come after the rest of the reply: it is estimated instead, and says so.
      const usage = deltas.find((delta) => delta.tokenUsage)?.tokenUsage;
      expect(usage).toMatchObject({ estimated: true });
      expect(usage?.inputTokens).toBeGreaterThan(0);
      expect(usage?.outputTokens).toBeGreaterThan(0);
      expect(performance.now() - started).toBeLessThan(1_500);
      await vi.waitFor(() => expect(server.requests[0]?.disconnected).toBe(true));
    });
  });

  describe("a base URL that is not a chat-completions endpoint", () => {
    const html: RawBehaviour = { kind: "raw", contentType: "text/html; charset=utf-8", body: "<!doctype html><html><body><h1>Open WebUI</h1></body></html>" };
    const unrelated: RawBehaviour = { kind: "raw", contentType: "application/json", body: JSON.stringify({ status: "ok", version: "1.2.3" }) };

    test.each([
      ["an HTML page", html],
      ["unrelated JSON", unrelated],
    ])("%s: a stream fails at once with a ModelCallError that points at baseURL", async (_name, behaviour) => {
      server.enqueue(behaviour, behaviour, behaviour);
      const error = await rejection(textOf(model({ maxRetries: 2 }).generateStream(QUESTION)));
      expect(error).toBeInstanceOf(ModelCallError);
      expect(error).toMatchObject({ option: "baseURL", retryable: false });
      expect((error as Error).message).toContain(server.baseURL);
      expect((error as Error).message).toContain(behaviour.contentType.split(";")[0]);
      expect((error as Error).message).toMatch(/not a chat-completions? (stream|reply)/);
      expect(server.requests).toHaveLength(1);
    });

    test.each([
      ["an HTML page", html],
      ["unrelated JSON", unrelated],
    ])("%s: generate fails the same way", async (_name, behaviour) => {
      server.enqueue(behaviour);
      const error = await rejection(model().generate(QUESTION));
      expect(error).toBeInstanceOf(ModelCallError);
      expect(error).toMatchObject({ option: "baseURL", retryable: false });
      expect((error as Error).message).toContain(behaviour.contentType.split(";")[0]);
      expect(server.requests).toHaveLength(1);
    });
  });

  test("one signal for 40 calls, streamed or not, with retries: no listener stays on it, no MaxListenersExceededWarning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const signal = controller.signal;
      const reused = model({ maxRetries: 1 });
      for (let call = 0; call < 40; call++) {
        // Every tenth call is retried once: the SDK hooks the signal it is given on every attempt.
        if (call % 10 === 0) server.enqueue({ kind: "error", status: 503, message: "Busy." });
        server.enqueue({ kind: "reply", text: `reply ${call} <end> rest`, honourStop: call % 3 !== 0 });
        if (call % 2 === 0) await reused.generate(QUESTION, { signal, stopSequences: ["<end>"] });
        else await textOf(reused.generateStream(QUESTION, { signal, stopSequences: ["<end>"] }));
        expect(getEventListeners(signal, "abort")).toHaveLength(0);
      }
      // A stream the caller leaves early releases the signal too.
      server.enqueue({ kind: "reply", text: "word ".repeat(50), chunkSize: 5 });
      for await (const delta of reused.generateStream(QUESTION, { signal })) if (delta.content) break;
      expect(getEventListeners(signal, "abort")).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.map((warning) => warning.name)).not.toContain("MaxListenersExceededWarning");
  });

  describe("a server that rejects a parameter", () => {
    const rejectsStop = { kind: "error", status: 400, message: "Unsupported parameter: 'stop' is not supported with this model." } as const;

    test("stop: retried once without it, applied here, and left out of later calls", async () => {
      server.enqueue(rejectsStop, { kind: "reply", text: "answer<end>more" }, { kind: "reply", text: "again<end>more" });
      const reused = model();
      const reply = await reused.generate(QUESTION, { stopSequences: ["<end>"] });
      expect(messageText(reply.content)).toBe("answer");
      expect(body(0).stop).toEqual(["<end>"]);
      expect(body(1)).not.toHaveProperty("stop");
      const { text } = await textOf(reused.generateStream(QUESTION, { stopSequences: ["<end>"] }));
      expect(text).toBe("again");
      expect(body(2)).not.toHaveProperty("stop");
      expect(server.requests).toHaveLength(3);
    });

    test("stop, on a stream request", async () => {
      server.enqueue(rejectsStop, { kind: "reply", text: "streamed<end>more" });
      const { text } = await textOf(model().generateStream(QUESTION, { stopSequences: ["<end>"] }));
      expect(text).toBe("streamed");
      expect(body(1)).not.toHaveProperty("stop");
    });

    test("stream_options: retried without it, later streams leave it out, and the usage is estimated when none comes", async () => {
      const rejectsStreamOptions = { kind: "error", status: 400, message: "Unrecognized request argument supplied: stream_options" } as const;
      server.enqueue(rejectsStreamOptions, { kind: "reply", text: "hello there" }, { kind: "reply", text: "again" });
      const reused = model();
      const { text, deltas } = await textOf(reused.generateStream(QUESTION));
      expect(text).toBe("hello there");
      expect(body(0)).toHaveProperty("stream_options");
      expect(body(1)).not.toHaveProperty("stream_options");
      expect(deltas.at(-1)?.tokenUsage).toMatchObject({ estimated: true });
      await textOf(reused.generateStream(QUESTION));
      expect(body(2)).not.toHaveProperty("stream_options");
      expect(server.requests).toHaveLength(3);
    });

    test("a 400 naming stop when none was sent is not retried, and names supportsStop", async () => {
      server.enqueue(rejectsStop);
      const error = await rejection(model().generate(QUESTION));
      expect(error).toMatchObject({ status: 400, option: "supportsStop" });
      expect(server.requests).toHaveLength(1);
    });
  });

  test("breaking out of a stream closes the HTTP stream", async () => {
    server.enqueue({ kind: "reply", text: "word ".repeat(200), chunkSize: 5, chunkDelayMs: 5 });
    for await (const delta of model().generateStream(QUESTION)) {
      if (delta.content) break;
    }
    await vi.waitFor(() => expect(server.requests[0]?.disconnected).toBe(true));
  });

  describe("retries", () => {
    test("a 429 with Retry-After: 1 is retried after about a second", async () => {
      server.enqueue({ kind: "error", status: 429, message: "Rate limit reached.", headers: { "retry-after": "1" } }, { kind: "reply", text: "finally" });
      const reply = await model({ maxRetries: 2 }).generate(QUESTION);
      expect(messageText(reply.content)).toBe("finally");
      expect(server.requests).toHaveLength(2);
      const gap = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
      expect(gap).toBeGreaterThanOrEqual(950);
      expect(gap).toBeLessThan(3_000);
    });

    test("retry-after-ms is honoured too", async () => {
      server.enqueue({ kind: "error", status: 429, headers: { "retry-after-ms": "300" } }, { kind: "reply", text: "ok" });
      await model({ maxRetries: 1 }).generate(QUESTION);
      const gap = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
      expect(gap).toBeGreaterThanOrEqual(280);
      expect(gap).toBeLessThan(1_500);
    });

    test("a 503 without Retry-After is retried with backoff", async () => {
      server.enqueue({ kind: "error", status: 503, message: "Overloaded." }, { kind: "reply", text: "recovered" });
      const reply = await model({ maxRetries: 1 }).generate(QUESTION);
      expect(messageText(reply.content)).toBe("recovered");
      const gap = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
      // The SDK waits 0.5 s × 2^retry, minus up to 25 % jitter.
      expect(gap).toBeGreaterThanOrEqual(350);
      expect(gap).toBeLessThan(2_000);
    });

    test("after the retries, a retryable ModelCallError with the status; maxRetries bounds the attempts", async () => {
      for (let attempt = 0; attempt < 5; attempt++) server.enqueue({ kind: "error", status: 429, message: "Slow down.", headers: { "retry-after": "0" } });
      const error = await rejection(model({ maxRetries: 2 }).generate(QUESTION));
      expect(error).toBeInstanceOf(ModelCallError);
      expect(error).toMatchObject({ status: 429, retryable: true, option: "maxRetries" });
      expect((error as Error).message).toMatch(/Slow down\..*rate-limited.*2 retries/);
      expect(server.requests).toHaveLength(3);
    });

    test("a dropped connection is retried, then reported as retryable", async () => {
      server.enqueue({ kind: "drop" }, { kind: "reply", text: "second try" });
      expect(messageText((await model({ maxRetries: 1 }).generate(QUESTION)).content)).toBe("second try");
      server.enqueue({ kind: "drop" });
      const error = await rejection(model({ maxRetries: 0 }).generate(QUESTION));
      expect(error).toBeInstanceOf(ModelCallError);
      expect(error).toMatchObject({ status: undefined, retryable: true });
      expect((error as Error).message).toContain(server.baseURL);
    });

    test("a connection lost mid-stream is a retryable ModelCallError", async () => {
      server.enqueue({ kind: "reply", text: "partial reply that never ends", dropAfterChunks: 3 });
      const received: string[] = [];
      const error = await rejection(
        (async () => {
          for await (const delta of model().generateStream(QUESTION)) received.push(delta.content ?? "");
        })(),
      );
      expect(received.join("")).toBe("partial ");
      expect(error).toBeInstanceOf(ModelCallError);
      expect(error).toMatchObject({ retryable: true });
      expect((error as Error).message).toContain("broke while reading its reply");
    });

    test("a server that is not there: a retryable ModelCallError naming the baseURL", async () => {
      const gone = await startOpenAICompatibleServer();
      await gone.close();
      const error = await rejection(new OpenAIModel({ modelId: "m", baseURL: gone.baseURL, maxRetries: 0 }).generate(QUESTION));
      expect(error).toMatchObject({ retryable: true, status: undefined, option: "baseURL" });
      expect((error as Error).message).toMatch(new RegExp(`Could not reach .*${gone.baseURL}.*ECONNREFUSED.*baseURL`));
    });

    test("aborting during a long Retry-After wait rejects at once", async () => {
      server.enqueue({ kind: "error", status: 429, headers: { "retry-after": "3" } });
      const controller = new AbortController();
      const reason = new Error("stop waiting");
      setTimeout(() => controller.abort(reason), 200);
      const started = performance.now();
      const error = await rejection(model({ maxRetries: 1 }).generate(QUESTION, { signal: controller.signal }));
      expect(error).toBe(reason);
      expect(performance.now() - started).toBeLessThan(1_000);
    });
  });

  describe("timeout", () => {
    test("a server slower than timeoutMs gives a retryable ModelCallError that says so", async () => {
      server.enqueue({ kind: "reply", text: "too late", delayMs: 5_000 });
      const started = performance.now();
      const error = await rejection(model({ timeoutMs: 200, maxRetries: 0 }).generate(QUESTION));
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(error).toBeInstanceOf(ModelCallError);
      expect(error).toMatchObject({ retryable: true, status: undefined, option: "timeoutMs" });
      expect((error as Error).message).toMatch(/within 200 ms.*timeoutMs/);
    });

    test("a timed-out attempt is retried", async () => {
      server.enqueue({ kind: "reply", text: "too late", delayMs: 5_000 }, { kind: "reply", text: "in time" });
      const reply = await model({ timeoutMs: 300, maxRetries: 1 }).generate(QUESTION);
      expect(messageText(reply.content)).toBe("in time");
    });
  });

  describe("status errors", () => {
    test("401 points at the API key", async () => {
      server.enqueue({ kind: "error", status: 401, message: "Incorrect API key provided." });
      const error = await rejection(model().generate(QUESTION));
      expect(error).toMatchObject({ status: 401, retryable: false, option: "apiKey" });
      expect((error as Error).message).toMatch(/Incorrect API key provided\..*OPENAI_API_KEY/);
    });

    test("404 points at the model id and baseURL", async () => {
      server.enqueue({ kind: "error", status: 404, message: "The model `nope` does not exist." });
      const error = await rejection(model({ modelId: "nope" }).generate(QUESTION));
      expect(error).toMatchObject({ status: 404, retryable: false, option: "modelId" });
      expect((error as Error).message).toMatch(/"nope".*baseURL/);
    });

    test("404 from a path that does not exist points at baseURL", async () => {
      // What Ollama answers when the base URL lacks /v1.
      server.enqueue({ kind: "raw", status: 404, contentType: "text/plain", body: "404 page not found" });
      const error = await rejection(model().generate(QUESTION));
      expect(error).toMatchObject({ status: 404, option: "baseURL" });
      expect((error as Error).message).toContain("/v1");
    });

    test("a rejected max_tokens names maxTokensParameter", async () => {
      server.enqueue({ kind: "error", status: 400, message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." });
      const error = await rejection(model().generate(QUESTION, { maxTokens: 10 }));
      expect(error).toMatchObject({ status: 400, option: "maxTokensParameter" });
      expect((error as Error).message).toContain('maxTokensParameter: "max_completion_tokens"');
    });

    test("an error on a stream request is a ModelCallError too", async () => {
      server.enqueue({ kind: "error", status: 400, message: "Bad request." });
      const error = await rejection(textOf(model().generateStream(QUESTION)));
      expect(error).toMatchObject({ status: 400, retryable: false });
    });
  });
});

describe("StopSequenceFilter", () => {
  const run = (stops: string[], deltas: string[]) => {
    const filter = new StopSequenceFilter(stops);
    const out: string[] = [];
    for (const delta of deltas) {
      const step = filter.push(delta);
      out.push(step.text);
      if (step.stopped) return { out, stopped: true };
    }
    out.push(filter.flush());
    return { out, stopped: false };
  };

  test("holds back a tail that could start a stop sequence, and lets it go when it does not", () => {
    expect(run(["</code>"], ["print(1)<", "/co", "de>after"])).toEqual({ out: ["print(1)", "", ""], stopped: true });
    expect(run(["</code>"], ["a <", "/cx", " b"])).toEqual({ out: ["a ", "</cx", " b", ""], stopped: false });
  });

  test("the earliest of several stop sequences wins, even when a longer one is pending", () => {
    expect(run(["Observation:", "bs"], ["Ob", "s"])).toEqual({ out: ["", "O"], stopped: true });
    expect(run(["bcd", "c"], ["ab", "cd"])).toEqual({ out: ["a", ""], stopped: true });
  });

  test("without stop sequences, deltas pass through untouched; empty strings are ignored", () => {
    expect(run([], ["a", "b"])).toEqual({ out: ["a", "b", ""], stopped: false });
    expect(run([""], ["a", "b"])).toEqual({ out: ["a", "b", ""], stopped: false });
  });

  test("cuts any split of any text exactly where applyStopSequences cuts the whole text", () => {
    let seed = 42;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    const word = (length: number) => Array.from({ length }, () => "ab<"[random(3)]).join("");
    for (let round = 0; round < 2_000; round++) {
      const text = word(random(12));
      const stops = Array.from({ length: 1 + random(3) }, () => word(1 + random(4)));
      const deltas: string[] = [];
      for (let start = 0; start < text.length; ) {
        const size = 1 + random(4);
        deltas.push(text.slice(start, start + size));
        start += size;
      }
      expect(run(stops, deltas).out.join(""), JSON.stringify({ text, stops, deltas })).toBe(applyStopSequences(text, stops));
    }
  });

  test("a held-back tail is flushed when the stream ends", () => {
    expect(run(["<end>"], ["done <en"])).toEqual({ out: ["done ", "<en"], stopped: false });
  });
});

test("prompt tokens the server read from its cache are reported as cacheReadTokens; the window comes from the table", async () => {
  const server = await startOpenAICompatibleServer();
  try {
    const completion = {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 0,
      model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "Paris." }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 2_000, completion_tokens: 3, total_tokens: 2_003, prompt_tokens_details: { cached_tokens: 1_536 } },
    };
    server.enqueue({ kind: "raw", contentType: "application/json", body: JSON.stringify(completion) });
    const model = new OpenAIModel({ modelId: "gpt-4o-mini", baseURL: server.baseURL });
    expect((await model.generate(QUESTION)).tokenUsage).toEqual({ inputTokens: 2_000, outputTokens: 3, cacheReadTokens: 1_536 });
    expect(model.contextWindow).toBe(128_000);
    expect(new OpenAIModel({ modelId: "gpt-4o-mini", baseURL: server.baseURL, contextWindow: 4_096 }).contextWindow).toBe(4_096);
  } finally {
    await server.close();
  }
});

test("OpenAI's reasoning models are known to reject stop and max_tokens: neither is sent, and stops are cut here", async () => {
  const server = await startOpenAICompatibleServer();
  try {
    server.enqueue({ kind: "reply", text: "Thought: x\n<code>1</code>\nObservation: y", honourStop: false });
    const model = new OpenAIModel({ modelId: "o4-mini", baseURL: server.baseURL });
    const reply = await model.generate(QUESTION, { stopSequences: ["Observation:"], maxTokens: 100 });
    expect(messageText(reply.content)).toBe("Thought: x\n<code>1</code>\n");
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body).toMatchObject({ max_completion_tokens: 100 });
    expect(server.requests[0]!.body).not.toHaveProperty("stop");
    expect(server.requests[0]!.body).not.toHaveProperty("max_tokens");
  } finally {
    await server.close();
  }
});
