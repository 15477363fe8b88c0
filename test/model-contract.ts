/**
 * The model contract: what every adapter that talks to a provider over HTTP promises, as tests.
 * Each test starts a local server speaking the adapter's protocol (OpenAI chat completions unless
 * the adapter brings its own), scripts its answers, and checks both what the adapter sent and
 * what it made of the answer. An adapter joins with one line in its test file:
 *
 *   modelContract({ name: "OpenAIModel", create: (server) => new OpenAIModel({ modelId: "test-model", baseURL: server.baseURL }) });
 *
 * An adapter for another protocol passes `startServer`, built on `startScriptedHttpServer` with its
 * own `WireProtocol`, and the same behaviours and assertions apply.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";

import { ModelCallError } from "../src/errors.js";
import { messageText, type ChatMessage, type ChatMessageStreamDelta, type Model, type ModelToolSpec, type TokenUsage } from "../src/models/model.js";
import { startOpenAICompatibleServer, type ModelTestServer } from "./support/openai-compatible-server.js";

/** Options some contract tests give the adapter; `create` passes each one that is set to the adapter's options of the same name. */
export interface ContractSettings {
  timeoutMs?: number;
  maxRetries?: number;
  requestsPerMinute?: number;
}

/** One adapter under test. */
export interface ModelUnderTest {
  name: string;
  /** The adapter, pointed at the local server (`server.baseURL`), with `settings` applied. */
  create(server: ModelTestServer, settings?: ContractSettings): Model;
  /** Starts a local server speaking the adapter's protocol. Default: OpenAI chat completions. */
  startServer?: () => Promise<ModelTestServer>;
  /** The environment variable that holds the adapter's key: a 401's message must name it. */
  credentialName: string;
}

/** A 1×1 transparent PNG. */
const PNG_BYTES = Uint8Array.from(
  Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64"),
);

const WEATHER_TOOL: ModelToolSpec = {
  name: "get_weather",
  description: "Current weather for a city.",
  parameters: { type: "object", properties: { city: { type: "string", description: "City name" } }, required: ["city"] },
};

const QUESTION: ChatMessage[] = [
  { role: "system", content: "You are a terse assistant." },
  { role: "user", content: "What is the capital of France?" },
];

/** What a stream amounted to. */
interface Collected {
  deltas: ChatMessageStreamDelta[];
  text: string;
  tokenUsage: TokenUsage | undefined;
  toolCalls: { id?: string; name: string; arguments: string }[];
}

async function collect(stream: AsyncIterable<ChatMessageStreamDelta>): Promise<Collected> {
  const collected: Collected = { deltas: [], text: "", tokenUsage: undefined, toolCalls: [] };
  for await (const delta of stream) {
    collected.deltas.push(delta);
    collected.text += delta.content ?? "";
    if (delta.tokenUsage) collected.tokenUsage = delta.tokenUsage;
    for (const call of delta.toolCalls ?? []) {
      const entry = (collected.toolCalls[call.index] ??= { name: "", arguments: "" });
      if (call.id) entry.id = call.id;
      entry.name += call.name ?? "";
      entry.arguments += call.argumentsDelta ?? "";
    }
  }
  return collected;
}

/** Milliseconds `promise` took to settle, and how: rejections are returned, not thrown. */
async function timed(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const start = performance.now();
  try {
    await promise;
    return { ms: performance.now() - start, error: undefined };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

/** Registers the contract tests for one adapter. */
export function modelContract(subject: ModelUnderTest): void {
  describe(`model contract: ${subject.name}`, () => {
    let server: ModelTestServer;
    let model: Model;

    beforeEach(async () => {
      server = await (subject.startServer ?? startOpenAICompatibleServer)();
      model = subject.create(server);
    });
    afterEach(() => server.close());

    const stream = (messages: ChatMessage[], options?: Parameters<Model["generate"]>[1]) => {
      if (!model.generateStream) throw new Error(`${subject.name} does not stream`);
      return model.generateStream(messages, options);
    };

    test("returns the reply as an assistant message, and sends the conversation", async () => {
      server.enqueue({ kind: "reply", text: "Paris." });
      const reply = await model.generate(QUESTION);
      expect(reply.role).toBe("assistant");
      expect(messageText(reply.content)).toBe("Paris.");
      expect(reply.toolCalls ?? []).toEqual([]);
      expect(server.requests).toHaveLength(1);
      const sent = JSON.stringify(server.requests[0]?.body);
      expect(sent).toContain("What is the capital of France?");
      expect(sent).toContain("You are a terse assistant.");
    });

    test("reports the token usage the server counted", async () => {
      server.enqueue({ kind: "reply", text: "Paris.", usage: { inputTokens: 21, outputTokens: 3 } });
      const reply = await model.generate(QUESTION);
      expect(reply.tokenUsage).toEqual({ inputTokens: 21, outputTokens: 3 });
    });

    describe("stop sequences", () => {
      const text = "Thought: add.\n<code>1 + 1</code>\nObservation: 2\nThought: done.";
      const expected = "Thought: add.\n<code>1 + 1</code>\n";
      const stopSequences = ["Observation:", "<end_code>"];

      test("are honoured when the server honours them", async () => {
        server.enqueue({ kind: "reply", text, honourStop: true });
        const reply = await model.generate(QUESTION, { stopSequences });
        expect(messageText(reply.content)).toBe(expected);
      });

      test("are honoured when the server ignores them", async () => {
        server.enqueue({ kind: "reply", text, honourStop: false });
        const reply = await model.generate(QUESTION, { stopSequences });
        expect(messageText(reply.content)).toBe(expected);
      });

      test("are honoured in a stream from a server that ignores them, across chunk boundaries", async ({ skip }) => {
        if (!model.generateStream) return skip();
        server.enqueue({ kind: "reply", text, honourStop: false, chunkSize: 3 });
        const collected = await collect(stream(QUESTION, { stopSequences }));
        expect(collected.text).toBe(expected);
        for (const delta of collected.deltas) expect(delta.content ?? "").not.toContain("Obs");
        // The stream was cut before the server's count: the usage is still reported, as an estimate.
        expect(collected.tokenUsage?.outputTokens).toBeGreaterThan(0);
      });

      test("let through text that only starts like a stop sequence", async ({ skip }) => {
        server.enqueue({ kind: "reply", text: "a <en b <end>c", honourStop: false });
        expect(messageText((await model.generate(QUESTION, { stopSequences: ["<end>"] })).content)).toBe("a <en b ");
        if (!model.generateStream) return skip();
        server.enqueue({ kind: "reply", text: "a <en b <end>c", honourStop: false, chunkSize: 2 });
        expect((await collect(stream(QUESTION, { stopSequences: ["<end>"] }))).text).toBe("a <en b ");
      });
    });

    describe("streaming", () => {
      test("deltas concatenate to the same text as generate, and carry the usage", async ({ skip }) => {
        if (!model.generateStream) return skip();
        const text = "The capital of France is Paris, on the Seine.";
        const usage = { inputTokens: 30, outputTokens: 12 };
        server.enqueue({ kind: "reply", text, usage }, { kind: "reply", text, usage, chunkSize: 5 });
        const reply = await model.generate(QUESTION);
        const collected = await collect(stream(QUESTION));
        expect(collected.text).toBe(messageText(reply.content));
        expect(collected.deltas.filter((delta) => delta.content).length).toBeGreaterThan(1);
        expect(collected.tokenUsage).toEqual(usage);
      });

      test("native tool calls arrive as deltas that assemble into the call", async ({ skip }) => {
        if (!model.generateStream) return skip();
        server.enqueue({ kind: "reply", toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city": "Paris"}' }] });
        const collected = await collect(stream(QUESTION, { tools: [WEATHER_TOOL] }));
        expect(collected.toolCalls).toHaveLength(1);
        expect(collected.toolCalls[0]?.id).toBe("call_1");
        expect(collected.toolCalls[0]?.name).toBe("get_weather");
        expect(JSON.parse(collected.toolCalls[0]?.arguments ?? "")).toEqual({ city: "Paris" });
      });
    });

    describe("abort", () => {
      test("an already aborted signal rejects with its reason, and nothing is sent", async () => {
        const reason = new Error("cancelled by the test");
        const { error } = await timed(model.generate(QUESTION, { signal: AbortSignal.abort(reason) }));
        expect(error).toBe(reason);
        expect(server.requests).toHaveLength(0);
      });

      test("aborting while the server thinks rejects promptly with the reason", async () => {
        server.enqueue({ kind: "reply", text: "late", delayMs: 10_000 });
        const controller = new AbortController();
        const reason = new Error("user pressed stop");
        setTimeout(() => controller.abort(reason), 100);
        const { ms, error } = await timed(model.generate(QUESTION, { signal: controller.signal }));
        expect(error).toBe(reason);
        expect(ms).toBeLessThan(2_000);
      }, 15_000);

      test("aborting in the middle of a stream rejects promptly with the reason", async ({ skip }) => {
        if (!model.generateStream) return skip();
        server.enqueue({ kind: "reply", text: "word ".repeat(100), chunkSize: 5, chunkDelayMs: 50 });
        const controller = new AbortController();
        const reason = new Error("user pressed stop");
        const iterator = stream(QUESTION, { signal: controller.signal })[Symbol.asyncIterator]();
        const first = await iterator.next();
        expect(first.done).toBe(false);
        controller.abort(reason);
        const { ms, error } = await timed(
          (async () => {
            for (;;) if ((await iterator.next()).done) return;
          })(),
        );
        expect(error).toBe(reason);
        expect(ms).toBeLessThan(2_000);
      }, 15_000);
    });

    test("images reach the server as image content: URLs as given, bytes as a data URL", async () => {
      server.enqueue({ kind: "reply", text: "Two images." });
      await model.generate([
        {
          role: "user",
          content: [
            { type: "text", text: "What is in these images?" },
            { type: "image", image: "https://example.com/cat.png" },
            { type: "image", image: PNG_BYTES, mediaType: "image/png" },
          ],
        },
      ]);
      const request = server.requests[0];
      expect(request).toBeDefined();
      expect(server.imagesSent(request!)).toEqual(["https://example.com/cat.png", `data:image/png;base64,${Buffer.from(PNG_BYTES).toString("base64")}`]);
      expect(JSON.stringify(request?.body)).toContain("What is in these images?");
    });

    describe("native tool calls", () => {
      test("come back as toolCalls with parsed arguments, and the tools are sent", async () => {
        server.enqueue({ kind: "reply", toolCalls: [{ id: "call_abc", name: "get_weather", arguments: '{"city":"Paris"}' }] });
        const reply = await model.generate(QUESTION, { tools: [WEATHER_TOOL], toolChoice: "auto" });
        expect(reply.toolCalls).toEqual([{ id: "call_abc", name: "get_weather", arguments: { city: "Paris" } }]);
        const sent = JSON.stringify(server.requests[0]?.body);
        expect(sent).toContain("get_weather");
        expect(sent).toContain("Current weather for a city.");
      });

      test("a call and its result can be sent back", async () => {
        server.enqueue({ kind: "reply", text: "It is sunny in Paris." });
        const reply = await model.generate(
          [
            ...QUESTION,
            { role: "assistant", content: "", toolCalls: [{ id: "call_abc", name: "get_weather", arguments: { city: "Paris" } }] },
            { role: "tool", toolCallId: "call_abc", content: "Sunny, 24 °C" },
          ],
          { tools: [WEATHER_TOOL] },
        );
        expect(messageText(reply.content)).toBe("It is sunny in Paris.");
        const sent = JSON.stringify(server.requests[0]?.body);
        expect(sent).toContain("call_abc");
        expect(sent).toContain("Sunny, 24 °C");
      });
    });

    describe("retries, time limits and rate limits", () => {
      test("a 429 is retried after its Retry-After, then succeeds", async () => {
        server.enqueue({ kind: "error", status: 429, message: "Rate limit reached for requests.", headers: { "retry-after": "1" } }, { kind: "reply", text: "Paris." });
        const reply = await model.generate(QUESTION);
        expect(messageText(reply.content)).toBe("Paris.");
        expect(server.requests).toHaveLength(2);
        // Retry-After says one second: the retry may not come sooner (a lower bound cannot flake).
        expect(server.requests[1]!.receivedAt - server.requests[0]!.receivedAt).toBeGreaterThanOrEqual(900);
      }, 20_000);

      test("a 429 that asks to wait an hour fails at once, retryable, instead of waiting", async () => {
        server.enqueue({ kind: "error", status: 429, message: "Rate limit reached for requests per day.", headers: { "retry-after": "3600" } }, { kind: "reply", text: "late" });
        const { ms, error } = await timed(model.generate(QUESTION));
        expect(error).toBeInstanceOf(ModelCallError);
        expect((error as ModelCallError).status).toBe(429);
        expect((error as ModelCallError).retryable).toBe(true);
        expect(server.requests).toHaveLength(1);
        expect(ms).toBeLessThan(10_000);
      }, 20_000);

      test("a 500 is retried, then succeeds", async () => {
        server.enqueue({ kind: "error", status: 500, message: "Internal error.", headers: { "retry-after": "0" } }, { kind: "reply", text: "Paris." });
        expect(messageText((await model.generate(QUESTION)).content)).toBe("Paris.");
        expect(server.requests).toHaveLength(2);
      }, 20_000);

      test("an attempt that outlasts timeoutMs is abandoned and retried; when every attempt does, a retryable ModelCallError", async () => {
        model = subject.create(server, { timeoutMs: 300, maxRetries: 1 });
        server.enqueue({ kind: "reply", text: "late", delayMs: 10_000 }, { kind: "reply", text: "late", delayMs: 10_000 });
        const { ms, error } = await timed(model.generate(QUESTION));
        expect(error).toBeInstanceOf(ModelCallError);
        expect((error as ModelCallError).retryable).toBe(true);
        expect(server.requests).toHaveLength(2);
        expect(ms).toBeLessThan(8_000);
      }, 20_000);

      test("a stream that goes silent mid-way ends after timeoutMs with a retryable ModelCallError, not a hang", async ({ skip }) => {
        model = subject.create(server, { timeoutMs: 400, maxRetries: 0 });
        if (!model.generateStream) return skip();
        server.enqueue({ kind: "reply", text: "word ".repeat(20), chunkSize: 5, chunkDelayMs: 15_000 });
        const received: string[] = [];
        const { ms, error } = await timed(
          (async () => {
            for await (const delta of stream(QUESTION)) if (delta.content) received.push(delta.content);
          })(),
        );
        expect(error).toBeInstanceOf(ModelCallError);
        expect((error as ModelCallError).retryable).toBe(true);
        expect(ms).toBeLessThan(10_000);
      }, 20_000);

      test("requestsPerMinute spaces the calls out", async () => {
        model = subject.create(server, { requestsPerMinute: 120 });
        server.enqueue({ kind: "reply", text: "1" }, { kind: "reply", text: "2" }, { kind: "reply", text: "3" });
        await Promise.all([model.generate(QUESTION), model.generate(QUESTION), model.generate(QUESTION)]);
        const times = server.requests.map((request) => request.receivedAt);
        // 120 a minute is one every 500 ms: three calls take at least a second from first to last.
        expect(times[2]! - times[0]!).toBeGreaterThanOrEqual(900);
      }, 20_000);
    });

    test("responseFormat: a JSON schema reaches the server, and the JSON reply comes back as text", async () => {
      const schema = { type: "object", properties: { capital_city: { type: "string" } }, required: ["capital_city"], additionalProperties: false };
      server.enqueue({ kind: "reply", text: '{"capital_city": "Paris"}' });
      const reply = await model.generate(QUESTION, { responseFormat: { type: "json_schema", name: "answer", schema } });
      expect(JSON.parse(messageText(reply.content))).toEqual({ capital_city: "Paris" });
      expect(JSON.stringify(server.requests[0]?.body)).toContain("capital_city");
    });

    test("a model that rejects stop: the call is sent again without it, later calls leave it out, and the reply is cut here", async () => {
      const text = "Thought: add.\n<code>1 + 1</code>\nObservation: 2";
      server.enqueue(
        { kind: "error", status: 400, message: "Unsupported parameter: 'stop' is not supported with this model." },
        { kind: "reply", text, honourStop: false },
        { kind: "reply", text, honourStop: false },
      );
      const stopSequences = ["Observation:"];
      expect(messageText((await model.generate(QUESTION, { stopSequences })).content)).toBe("Thought: add.\n<code>1 + 1</code>\n");
      expect(messageText((await model.generate(QUESTION, { stopSequences })).content)).toBe("Thought: add.\n<code>1 + 1</code>\n");
      expect(server.requests.map((request) => server.stopSequencesSent(request))).toEqual([stopSequences, [], []]);
    });

    describe("errors", () => {
      test("a 401 throws at once a ModelCallError that names the key to set", async () => {
        server.enqueue({ kind: "error", status: 401, message: "Invalid API key provided." });
        const { error } = await timed(model.generate(QUESTION));
        expect(error).toBeInstanceOf(ModelCallError);
        expect((error as ModelCallError).status).toBe(401);
        expect((error as ModelCallError).retryable).toBe(false);
        expect((error as Error).message).toContain(subject.credentialName);
        expect(server.requests).toHaveLength(1);
      });

      test.each([
        ["unrelated JSON", "application/json", '{"status": "ok"}'],
        ["an HTML page", "text/html", "<html><body>Welcome to nginx!</body></html>"],
        ["cut JSON", "application/json", '{"id": "x", "choi'],
      ])("a malformed response (%s) is a ModelCallError, not a crash", async (_name, contentType, body) => {
        server.enqueue({ kind: "raw", contentType, body }, { kind: "raw", contentType, body }, { kind: "raw", contentType, body });
        const { error } = await timed(model.generate(QUESTION));
        expect(error).toBeInstanceOf(ModelCallError);
      }, 20_000);

      test("a 400 throws ModelCallError with the status, not retryable, at once", async () => {
        server.enqueue({ kind: "error", status: 400, message: "Invalid value for 'temperature': must be at most 2." });
        const { error } = await timed(model.generate(QUESTION, { temperature: 5 }));
        expect(error).toBeInstanceOf(ModelCallError);
        expect((error as ModelCallError).status).toBe(400);
        expect((error as ModelCallError).retryable).toBe(false);
        expect((error as ModelCallError).message).toContain("Invalid value for 'temperature'");
        expect(server.requests).toHaveLength(1);
      });

      test("a 5xx that persists through the retries throws a retryable ModelCallError", async () => {
        for (let attempt = 0; attempt < 10; attempt++) {
          server.enqueue({ kind: "error", status: 503, message: "The server is overloaded.", headers: { "retry-after": "0" } });
        }
        const { error } = await timed(model.generate(QUESTION));
        expect(error).toBeInstanceOf(ModelCallError);
        expect((error as ModelCallError).status).toBe(503);
        expect((error as ModelCallError).retryable).toBe(true);
      }, 20_000);
    });
  });
}

/** A model answered from a script, with no server (ScriptedModel). */
export interface ScriptedModelUnderTest {
  name: string;
  /** The model, replaying `replies` in order. */
  create(replies: (string | ChatMessage)[]): Model;
}

/**
 * The parts of the contract that apply to a model with no server: replies, usage, stop
 * sequences, streaming, tool calls and abort. (Errors, retries and the wire format have no meaning there.)
 */
export function scriptedModelContract(subject: ScriptedModelUnderTest): void {
  describe(`model contract (scripted): ${subject.name}`, () => {
    const stream = (model: Model, messages: ChatMessage[], options?: Parameters<Model["generate"]>[1]) => {
      if (!model.generateStream) throw new Error(`${subject.name} does not stream`);
      return model.generateStream(messages, options);
    };

    test("returns the reply as an assistant message, with token usage", async () => {
      const reply = await subject.create(["Paris."]).generate(QUESTION);
      expect(reply.role).toBe("assistant");
      expect(messageText(reply.content)).toBe("Paris.");
      expect(reply.tokenUsage?.inputTokens).toBeGreaterThan(0);
      expect(reply.tokenUsage?.outputTokens).toBeGreaterThan(0);
    });

    test("stop sequences are honoured, in a stream too", async () => {
      const text = "Thought: add.\n<code>1 + 1</code>\nObservation: 2\nThought: done.";
      const stopSequences = ["Observation:"];
      expect(messageText((await subject.create([text]).generate(QUESTION, { stopSequences })).content)).toBe("Thought: add.\n<code>1 + 1</code>\n");
      expect((await collect(stream(subject.create([text]), QUESTION, { stopSequences }))).text).toBe("Thought: add.\n<code>1 + 1</code>\n");
    });

    test("streamed deltas concatenate to the same text as generate, and carry the usage", async () => {
      const text = "The capital of France is Paris, on the Seine.";
      const reply = await subject.create([text]).generate(QUESTION);
      const collected = await collect(stream(subject.create([text]), QUESTION));
      expect(collected.text).toBe(messageText(reply.content));
      expect(collected.deltas.filter((delta) => delta.content).length).toBeGreaterThan(1);
      expect(collected.tokenUsage).toEqual(reply.tokenUsage);
    });

    test("native tool calls come back whole, and as deltas in a stream", async () => {
      const call = { role: "assistant" as const, content: "", toolCalls: [{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }] };
      expect((await subject.create([call]).generate(QUESTION, { tools: [WEATHER_TOOL] })).toolCalls).toEqual(call.toolCalls);
      const collected = await collect(stream(subject.create([call]), QUESTION, { tools: [WEATHER_TOOL] }));
      expect(collected.toolCalls).toEqual([{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }]);
    });

    test("an aborted signal rejects with its reason, before and in the middle of a stream", async () => {
      const reason = new Error("cancelled by the test");
      await expect(subject.create(["Paris."]).generate(QUESTION, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      const controller = new AbortController();
      const iterator = stream(subject.create(["word ".repeat(100)]), QUESTION, { signal: controller.signal })[Symbol.asyncIterator]();
      expect((await iterator.next()).done).toBe(false);
      controller.abort(reason);
      await expect(
        (async () => {
          for (;;) if ((await iterator.next()).done) return;
        })(),
      ).rejects.toBe(reason);
    });
  });
}
