import { getEventListeners } from "node:events";

import { INFERENCE_PROVIDERS } from "@huggingface/inference";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import { AgentConfigurationError, MissingCredentialsError, ModelCallError } from "../src/errors.js";
import { HfInferenceModel, type HfInferenceModelOptions } from "../src/models/huggingface/hf-inference-model.js";
import { HF_INFERENCE_PROVIDERS, parseHfModelString } from "../src/models/huggingface/hf-model-string.js";
import { messageText, type ChatMessage, type ChatMessageStreamDelta } from "../src/models/model.js";
import { modelContract } from "./model-contract.js";
import { openAIChatCompletionsProtocol, startScriptedHttpServer, type ModelTestServer } from "./support/openai-compatible-server.js";
import { textOf, rejection } from "./support/model-calls.js";

/** Hugging Face endpoints and the router speak chat completions under `/v1`; the SDK appends `/chat/completions`. */
const startServer = () => startScriptedHttpServer(openAIChatCompletionsProtocol, "/v1");

modelContract({
  name: "HfInferenceModel",
  credentialName: "HF_TOKEN",
  create: (server, settings) => new HfInferenceModel({ modelId: "Qwen/Qwen2.5-Coder-32B-Instruct", token: "hf_test", baseURL: server.baseURL, ...settings }),
  startServer,
});

const QUESTION: ChatMessage[] = [{ role: "user", content: "Say hello." }];
const ROUTER = "https://router.huggingface.co";

describe("parseHfModelString", () => {
  test.each([
    ["hf:Qwen/Qwen2.5-Coder-32B-Instruct:together", { modelId: "Qwen/Qwen2.5-Coder-32B-Instruct", provider: "together" }],
    ["Qwen/Qwen2.5-Coder-32B-Instruct:fireworks-ai", { modelId: "Qwen/Qwen2.5-Coder-32B-Instruct", provider: "fireworks-ai" }],
    ["meta-llama/Llama-3.3-70B-Instruct:auto", { modelId: "meta-llama/Llama-3.3-70B-Instruct", provider: "auto" }],
    ["hf:Qwen/Qwen2.5-Coder-32B-Instruct", { modelId: "Qwen/Qwen2.5-Coder-32B-Instruct" }],
    // Not a provider: a routing policy the router reads, or part of the id.
    ["openai/gpt-oss-120b:fastest", { modelId: "openai/gpt-oss-120b:fastest" }],
    ["some-org/model:v2", { modelId: "some-org/model:v2" }],
  ])("%s", (text, expected) => {
    expect(parseHfModelString(text)).toEqual(expected);
  });

  test("knows the same providers as the installed SDK, and auto", () => {
    expect([...HF_INFERENCE_PROVIDERS].sort()).toEqual([...INFERENCE_PROVIDERS, "auto"].sort());
  });
});

describe("HfInferenceModel", () => {
  let server: ModelTestServer;
  const model = (options: Partial<HfInferenceModelOptions> = {}) =>
    new HfInferenceModel({ modelId: "Qwen/Qwen2.5-Coder-32B-Instruct", token: "hf_test", endpointUrl: server.baseURL, maxRetries: 0, ...options });
  const body = (index = 0) => server.requests[index]?.body as Record<string, unknown>;

  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await server.close();
  });

  describe("a dedicated endpoint or TGI server", () => {
    test("the SDK posts to <endpointUrl>/chat/completions with the token and the model id", async () => {
      server.enqueue({ kind: "reply", text: "hello" });
      const reply = await model().generate(QUESTION, { temperature: 0, maxTokens: 50 });
      expect(messageText(reply.content)).toBe("hello");
      expect(server.requests[0]?.path).toBe("/v1/chat/completions");
      expect(server.requests[0]?.headers.authorization).toBe("Bearer hf_test");
      expect(body()).toMatchObject({ model: "Qwen/Qwen2.5-Coder-32B-Instruct", temperature: 0, max_tokens: 50, messages: [{ role: "user", content: "Say hello." }] });
      expect(body()).not.toHaveProperty("provider");
    });

    test("a URL without /v1 gets /v1/chat/completions; a server without a token gets no Authorization", async () => {
      vi.stubEnv("HF_TOKEN", "");
      server.enqueue({ kind: "reply", text: "local" });
      const local = new HfInferenceModel({ modelId: "tgi", endpointUrl: server.origin, maxRetries: 0 });
      expect(messageText((await local.generate(QUESTION)).content)).toBe("local");
      expect(server.requests[0]?.path).toBe("/v1/chat/completions");
      expect(server.requests[0]?.headers).not.toHaveProperty("authorization");
    });

    test("the token defaults to HF_TOKEN", async () => {
      vi.stubEnv("HF_TOKEN", "hf_from_env");
      server.enqueue({ kind: "reply", text: "ok" });
      await new HfInferenceModel({ modelId: "m", endpointUrl: server.baseURL }).generate(QUESTION);
      expect(server.requests[0]?.headers.authorization).toBe("Bearer hf_from_env");
    });
  });

  describe("Inference Providers through the router", () => {
    /** A `fetch` that sends the router's requests to the test server and answers the Hub's provider lookup. */
    const routerFetch = (hubLookups: string[]): typeof fetch => async (input, init) => {
      const url = String(input);
      if (url.startsWith("https://huggingface.co/api/models/")) {
        hubLookups.push(url);
        const mapping = [{ provider: "together", hfModelId: "Qwen/Qwen2.5-Coder-32B-Instruct", providerId: "Qwen/Qwen2.5-Coder-32B-Instruct-Turbo", status: "live", task: "conversational" }];
        return new Response(JSON.stringify({ inferenceProviderMapping: mapping }), { headers: { "content-type": "application/json" } });
      }
      return fetch(url.replace(ROUTER, server.origin), init);
    };

    test('provider "auto" (the default): the router picks, and gets the Hub model id', async () => {
      server.enqueue({ kind: "reply", text: "routed" });
      const hubLookups: string[] = [];
      const routed = new HfInferenceModel({ modelId: "Qwen/Qwen2.5-Coder-32B-Instruct", token: "hf_test", fetch: routerFetch(hubLookups), maxRetries: 0 });
      expect(messageText((await routed.generate(QUESTION)).content)).toBe("routed");
      expect(server.requests[0]?.path).toBe("/v1/chat/completions");
      expect(body().model).toBe("Qwen/Qwen2.5-Coder-32B-Instruct");
      expect(hubLookups).toEqual([]);
    });

    test("a named provider: its route on the router, and the provider's own model id from the Hub", async () => {
      server.enqueue({ kind: "reply", text: "from together" }, { kind: "reply", text: "streamed from together" });
      const hubLookups: string[] = [];
      const together = new HfInferenceModel({ modelId: "Qwen/Qwen2.5-Coder-32B-Instruct", provider: "together", token: "hf_test", fetch: routerFetch(hubLookups), maxRetries: 0 });
      expect(messageText((await together.generate(QUESTION)).content)).toBe("from together");
      expect((await textOf(together.generateStream(QUESTION))).text).toBe("streamed from together");
      expect(server.requests.map((request) => request.path)).toEqual(["/together/v1/chat/completions", "/together/v1/chat/completions"]);
      expect(body().model).toBe("Qwen/Qwen2.5-Coder-32B-Instruct-Turbo");
      expect(server.requests[0]?.headers.authorization).toBe("Bearer hf_test");
      expect(hubLookups.length).toBeLessThanOrEqual(1);
    });

    test("billTo is sent as X-HF-Bill-To; a 402 says the credits are used up and names billTo", async () => {
      server.enqueue({ kind: "error", status: 402, message: "You have exceeded your monthly included credits for Inference Providers." });
      const routed = new HfInferenceModel({ modelId: "m", token: "hf_test", billTo: "my-org", fetch: routerFetch([]), maxRetries: 0 });
      const error = await rejection(routed.generate(QUESTION));
      expect(server.requests[0]?.headers["x-hf-bill-to"]).toBe("my-org");
      expect(error).toMatchObject({ status: 402, retryable: false, option: "billTo" });
      expect((error as Error).message).toContain("exceeded your monthly included credits");
    });
  });

  describe("configuration", () => {
    test("no token and no endpointUrl: a MissingCredentialsError naming HF_TOKEN and endpointUrl", () => {
      vi.stubEnv("HF_TOKEN", "");
      const error = (() => {
        try {
          new HfInferenceModel({ modelId: "Qwen/Qwen2.5-Coder-32B-Instruct" });
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(MissingCredentialsError);
      expect((error as MissingCredentialsError).variables).toEqual(["HF_TOKEN"]);
      expect((error as Error).message).toContain("endpointUrl");
    });

    test("an unknown provider, auto with a provider's key, endpointUrl with a provider", () => {
      expect(() => new HfInferenceModel({ modelId: "m", token: "hf_x", provider: "nobody" })).toThrow(/does not know the provider "nobody".*together/);
      expect(() => new HfInferenceModel({ modelId: "m", token: "tgp_key" })).toThrow(AgentConfigurationError);
      expect(() => new HfInferenceModel({ modelId: "m", token: "hf_x", provider: "groq", endpointUrl: "http://localhost:8080" })).toThrow(/endpointUrl.*provider/);
    });
  });

  describe("requests", () => {
    test("responseFormat: json_schema and json_object as the chat-completions API takes them", async () => {
      server.enqueue({ kind: "reply", text: "{}" }, { kind: "reply", text: "{}" });
      const schema = { type: "object", properties: { answer: { type: "string" } } };
      await model().generate(QUESTION, { responseFormat: { type: "json_schema", name: "reply", schema } });
      await model().generate(QUESTION, { responseFormat: { type: "json_object" } });
      expect(body(0).response_format).toEqual({ type: "json_schema", json_schema: { name: "reply", schema } });
      expect(body(1).response_format).toEqual({ type: "json_object" });
    });

    test("stop sends at most 4 sequences and cuts at all of them; tools carry tool_choice", async () => {
      server.enqueue({ kind: "reply", text: "one two<5> three", honourStop: true });
      const stopSequences = ["<1>", "<2>", "<3>", "<4>", "<5>"];
      const tool = { name: "look", description: "Looks.", parameters: { type: "object", properties: {} } };
      const reply = await model().generate(QUESTION, { stopSequences, tools: [tool], toolChoice: "required" });
      expect(messageText(reply.content)).toBe("one two");
      expect(body().stop).toEqual(stopSequences.slice(0, 4));
      expect(body().tool_choice).toBe("required");
      expect(body().tools).toEqual([{ type: "function", function: { name: "look", description: "Looks.", parameters: tool.parameters } }]);
    });

    test("a stream asks for the usage; a server that rejects stream_options is asked again without it, and the usage is estimated", async () => {
      server.enqueue({ kind: "error", status: 422, message: "Input validation error: unknown field `stream_options`" }, { kind: "reply", text: "hello there" }, { kind: "reply", text: "again" });
      const reused = model();
      const { text, deltas } = await textOf(reused.generateStream(QUESTION));
      expect(text).toBe("hello there");
      expect(body(0).stream_options).toEqual({ include_usage: true });
      expect(body(1)).not.toHaveProperty("stream_options");
      expect(deltas.at(-1)?.tokenUsage).toMatchObject({ estimated: true });
      await textOf(reused.generateStream(QUESTION));
      expect(body(2)).not.toHaveProperty("stream_options");
    });

    test("breaking out of a stream closes the HTTP stream", async () => {
      server.enqueue({ kind: "reply", text: "word ".repeat(200), chunkSize: 5, chunkDelayMs: 5 });
      for await (const delta of model().generateStream(QUESTION)) if (delta.content) break;
      await vi.waitFor(() => expect(server.requests[0]?.disconnected).toBe(true));
    });
  });

  describe("errors and retries", () => {
    test("a 503 (a model still loading) is retried by codeagent, not resent forever by the SDK", async () => {
      server.enqueue({ kind: "error", status: 503, message: "Model is currently loading", headers: { "retry-after": "0" } }, { kind: "reply", text: "loaded" });
      expect(messageText((await model({ maxRetries: 1 }).generate(QUESTION)).content)).toBe("loaded");
      server.enqueue({ kind: "error", status: 503, message: "Model is currently loading" }, { kind: "reply", text: "never read" });
      const error = await rejection(model({ maxRetries: 0 }).generate(QUESTION));
      expect(error).toMatchObject({ status: 503, retryable: true, option: "maxRetries" });
      expect((error as Error).message).toContain("Model is currently loading");
      expect(server.requests).toHaveLength(3);
    });

    test("a 429 on a stream is retried after its Retry-After", async () => {
      server.enqueue({ kind: "error", status: 429, message: "Too many requests.", headers: { "retry-after": "1" } }, { kind: "reply", text: "streamed" });
      expect((await textOf(model({ maxRetries: 1 }).generateStream(QUESTION))).text).toBe("streamed");
      expect(server.requests[1]!.receivedAt - server.requests[0]!.receivedAt).toBeGreaterThanOrEqual(900);
    });

    test("a TGI error body ({ error, error_type }) is quoted", async () => {
      server.enqueue({ kind: "raw", status: 422, contentType: "application/json", body: JSON.stringify({ error: "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096", error_type: "validation" }) });
      const error = await rejection(model().generate(QUESTION));
      expect(error).toBeInstanceOf(ModelCallError);
      expect(error).toMatchObject({ status: 422, retryable: false });
      expect((error as Error).message).toContain("must be <= 4096");
    });

    test("a stream answered with an HTML page names endpointUrl; a server that is not there is retryable and named", async () => {
      server.enqueue({ kind: "raw", contentType: "text/html", body: "<html>login</html>" });
      const html = await rejection(textOf(model({ maxRetries: 2 }).generateStream(QUESTION)));
      expect(html).toMatchObject({ option: "endpointUrl", retryable: false });
      expect((html as Error).message).toContain("text/html");
      expect(server.requests).toHaveLength(1);
      const gone = await startServer();
      await gone.close();
      const error = await rejection(model({ endpointUrl: gone.baseURL }).generate(QUESTION));
      expect(error).toMatchObject({ retryable: true, status: undefined, option: "endpointUrl" });
      expect((error as Error).message).toContain(gone.baseURL);
    });

    test("one signal for many calls, streamed or not, with retries and early exits: no listener stays on it", async () => {
      const signal = new AbortController().signal;
      const reused = model({ maxRetries: 1 });
      for (let call = 0; call < 12; call++) {
        if (call % 4 === 0) server.enqueue({ kind: "error", status: 503, message: "Busy.", headers: { "retry-after": "0" } });
        server.enqueue({ kind: "reply", text: `reply ${call} <end> rest`, honourStop: call % 3 !== 0 });
        if (call % 2 === 0) await reused.generate(QUESTION, { signal, stopSequences: ["<end>"] });
        else await textOf(reused.generateStream(QUESTION, { signal, stopSequences: ["<end>"] }));
        expect(getEventListeners(signal, "abort")).toHaveLength(0);
      }
      server.enqueue({ kind: "reply", text: "word ".repeat(50), chunkSize: 5 });
      for await (const delta of reused.generateStream(QUESTION, { signal })) if (delta.content) break;
      expect(getEventListeners(signal, "abort")).toHaveLength(0);
    });

    test.each([
      ["an OpenAI-style server_error", { error: { message: "Upstream failed", type: "server_error" } }, true],
      ["TGI's overloaded error_type", { error: "Model is overloaded", error_type: "overloaded" }, true],
      ["a 503 status", { error: { message: "Upstream failed", code: 503 } }, true],
      ["a validation error", { error: "Input validation error", error_type: "validation" }, false],
    ])("an error event inside a stream, %s: retryable is %s, and its message quoted", async (_kind, event, retryable) => {
      const chunk = { id: "c1", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content: "Par" }, finish_reason: null }] };
      const frames = [chunk, event].map((data) => `data: ${JSON.stringify(data)}\n\n`).join("");
      server.enqueue({ kind: "raw", contentType: "text/event-stream", body: frames });
      const error = await rejection(textOf(model().generateStream(QUESTION)));
      expect(error).toBeInstanceOf(ModelCallError);
      expect(error).toMatchObject({ retryable });
      expect((error as Error).message).toContain(typeof event.error === "string" ? event.error : event.error.message);
    });

    test("a 401 with an HTML body keeps its status and names HF_TOKEN, streamed or not", async () => {
      const page = { kind: "raw", status: 401, contentType: "text/html; charset=utf-8", body: "<html><body>Unauthorized</body></html>" } as const;
      // Some proxies label their HTML pages text/plain: the SDK then keeps the page as the detail.
      const plain = { ...page, contentType: "text/plain; charset=utf-8" } as const;
      server.enqueue(page, page, plain, plain);
      const errors = [];
      for (let call = 0; call < 2; call++) errors.push(await rejection(model().generate(QUESTION)), await rejection(textOf(model().generateStream(QUESTION))));
      for (const error of errors) {
        expect(error).toBeInstanceOf(ModelCallError);
        expect(error).toMatchObject({ status: 401, retryable: false, option: "token" });
        expect((error as Error).message).toContain("HF_TOKEN");
        expect((error as Error).message).not.toContain("<html>");
      }
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
      expect(error).toMatchObject({ retryable: true });
      expect((error as Error).message).toContain("broke while reading its reply");
    });
  });
});
