/**
 * A local HTTP server for model adapter tests. It answers from a queue of scripted behaviours
 * (a reply, an HTTP error, a dropped connection, a raw body, each after an optional delay) and records every
 * request, so tests check both what the adapter sent and what it made of the answer.
 *
 * The queue, the recording, delays and drops are protocol-neutral ({@link startScriptedHttpServer});
 * a {@link WireProtocol} shapes requests and replies. {@link startOpenAICompatibleServer} speaks
 * chat completions as OpenAI does: JSON replies, and SSE chunks ending with `data: [DONE]`.
 * An adapter for another protocol writes its own `WireProtocol` and reuses the rest.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request the server received. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** The JSON body, parsed (the raw text when it is not JSON). */
  body: unknown;
  /** `performance.now()` when the request arrived. */
  receivedAt: number;
  /** Becomes true when the client closes the connection before the reply is complete. */
  disconnected: boolean;
}

/** A tool call in a scripted reply; `arguments` is the text the model "wrote". */
export interface ScriptedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Answer with a reply. */
export interface ReplyBehaviour {
  kind: "reply";
  text?: string;
  toolCalls?: ScriptedToolCall[];
  /** Token counts reported. Default: estimated from the request and the reply (4 characters a token). */
  usage?: { inputTokens: number; outputTokens: number };
  /** Cut the text before the first stop sequence the request asks for, as real servers do. Default true. */
  honourStop?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Characters per streamed chunk. Default 4, so stop strings and words span chunks. */
  chunkSize?: number;
  /** Pause between streamed chunks. Default 0. */
  chunkDelayMs?: number;
  /** When streaming: destroy the connection after this many chunks. */
  dropAfterChunks?: number;
}

/** Answer with an HTTP error. */
export interface ErrorBehaviour {
  kind: "error";
  status: number;
  message?: string;
  /** E.g. `{ "retry-after": "1" }`. */
  headers?: Record<string, string>;
  delayMs?: number;
}

/** Close the connection without answering. */
export interface DropBehaviour {
  kind: "drop";
  delayMs?: number;
}

/**
 * Answer with a body of the test's choosing, whatever the protocol: an HTML page, unrelated JSON,
 * what a web UI or another API at the wrong base URL would send.
 */
export interface RawBehaviour {
  kind: "raw";
  /** Default 200. */
  status?: number;
  contentType: string;
  body: string;
  delayMs?: number;
}

/** One scripted answer, used by one request. */
export type ServerBehaviour = ReplyBehaviour | ErrorBehaviour | DropBehaviour | RawBehaviour;

/** A reply resolved against its request: stop sequences applied, usage known. */
export interface ResolvedReply {
  text: string;
  toolCalls: ScriptedToolCall[];
  usage: { inputTokens: number; outputTokens: number };
  finishReason: "stop" | "tool_calls";
  chunkSize: number;
}

/** How one provider's protocol looks on the wire. */
export interface WireProtocol {
  /** Whether the request is a model call this protocol answers. */
  isModelCall(method: string, path: string): boolean;
  isStreaming(body: unknown): boolean;
  /** The stop sequences the request asks the server to honour. */
  stopSequences(body: unknown): string[];
  /** Text of the request's messages, for estimating input tokens. */
  promptText(body: unknown): string;
  replyBody(body: unknown, reply: ResolvedReply): unknown;
  /** The streamed reply as complete SSE frames (`data: ...\n\n`). */
  replyEvents(body: unknown, reply: ResolvedReply): string[];
  errorBody(status: number, message: string): unknown;
  /** Images in a request, as URLs (`https:` or `data:`). */
  imagesSent(body: unknown): string[];
}

/** A running test server. */
export interface ModelTestServer {
  /** The base URL to give the adapter, e.g. `http://127.0.0.1:PORT/v1`. */
  readonly baseURL: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Adds answers to the queue; each request takes the next one. */
  enqueue(...behaviours: ServerBehaviour[]): this;
  /** Images in a recorded request, as URLs (`https:` or `data:`). */
  imagesSent(request: RecordedRequest): string[];
  /** The stop sequences a recorded request asked the server to honour. */
  stopSequencesSent(request: RecordedRequest): string[];
  /** Stops the server: pending delays are cancelled and open connections closed. */
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1, port 0, answering model calls with `protocol`. A request that
 * finds the queue empty gets a 418, so an unexpected extra call fails fast and is not retried.
 */
export async function startScriptedHttpServer(protocol: WireProtocol, basePath = "/v1"): Promise<ModelTestServer> {
  const queue: ServerBehaviour[] = [];
  const requests: RecordedRequest[] = [];
  /** Delays under way; closing the server ends them. */
  const pending = new Set<(goOn: boolean) => void>();
  let closed = false;

  /** Waits `ms`; resolves false when the server closed or the client went away meanwhile. */
  const wait = (ms: number, response: ServerResponse) =>
    new Promise<boolean>((resolve) => {
      if (ms <= 0) return resolve(!closed && !response.destroyed);
      const finish = (goOn: boolean) => {
        clearTimeout(timer);
        pending.delete(finish);
        response.off("close", onClose);
        resolve(goOn);
      };
      const onClose = () => finish(false);
      const timer = setTimeout(() => finish(!closed && !response.destroyed), ms);
      pending.add(finish);
      response.once("close", onClose);
    });

  const server = createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy());
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    const recorded: RecordedRequest = {
      method: request.method ?? "GET",
      path: request.url ?? "/",
      headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : (value ?? "")])),
      body: parseJson(text),
      receivedAt: performance.now(),
      disconnected: false,
    };
    response.once("close", () => {
      if (!response.writableFinished) recorded.disconnected = true;
    });
    const pathname = recorded.path.split("?")[0] ?? "";
    if (!protocol.isModelCall(recorded.method, pathname)) {
      sendJson(response, 404, protocol.errorBody(404, `test server: no route for ${recorded.method} ${pathname}`));
      return;
    }
    requests.push(recorded);
    const behaviour = queue.shift();
    if (behaviour === undefined) {
      sendJson(response, 418, protocol.errorBody(418, `test server: no scripted behaviour left for request ${requests.length}`));
      return;
    }
    if (!(await wait(behaviour.delayMs ?? 0, response))) return void response.destroy();
    if (behaviour.kind === "drop") return void response.socket?.destroy();
    if (behaviour.kind === "raw") {
      response.writeHead(behaviour.status ?? 200, { "content-type": behaviour.contentType, "content-length": Buffer.byteLength(behaviour.body) });
      response.end(behaviour.body);
      return;
    }
    if (behaviour.kind === "error") {
      sendJson(response, behaviour.status, protocol.errorBody(behaviour.status, behaviour.message ?? `scripted error ${behaviour.status}`), behaviour.headers);
      return;
    }
    const reply = resolveReply(protocol, recorded.body, behaviour);
    if (!protocol.isStreaming(recorded.body)) {
      sendJson(response, 200, protocol.replyBody(recorded.body, reply));
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "x-request-id": requestId() });
    response.flushHeaders();
    const events = protocol.replyEvents(recorded.body, reply);
    for (const [index, event] of events.entries()) {
      if (behaviour.dropAfterChunks !== undefined && index >= behaviour.dropAfterChunks) return void response.socket?.destroy();
      if (index > 0 && !(await wait(behaviour.chunkDelayMs ?? 0, response))) return void response.destroy();
      if (closed || response.destroyed) return;
      // Wait until the chunk is handed to the socket, so a drop after it happens mid-stream.
      await new Promise<void>((resolve) => response.write(event, () => resolve()));
    }
    response.end();
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const testServer: ModelTestServer = {
    baseURL: `${origin}${basePath}`,
    origin,
    requests,
    enqueue(...behaviours) {
      queue.push(...behaviours);
      return this;
    },
    imagesSent: (request) => protocol.imagesSent(request.body),
    stopSequencesSent: (request) => protocol.stopSequences(request.body),
    async close() {
      closed = true;
      for (const finish of [...pending]) finish(false);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return testServer;
}

function resolveReply(protocol: WireProtocol, body: unknown, behaviour: ReplyBehaviour): ResolvedReply {
  let text = behaviour.text ?? "";
  if (behaviour.honourStop ?? true) {
    for (const stop of protocol.stopSequences(body)) {
      const index = stop === "" ? -1 : text.indexOf(stop);
      if (index >= 0) text = text.slice(0, index);
    }
  }
  const toolCalls = behaviour.toolCalls ?? [];
  const written = text + toolCalls.map((call) => call.name + call.arguments).join("");
  return {
    text,
    toolCalls,
    usage: behaviour.usage ?? { inputTokens: Math.ceil(protocol.promptText(body).length / 4), outputTokens: Math.ceil(written.length / 4) },
    finishReason: toolCalls.length > 0 ? "tool_calls" : "stop",
    chunkSize: behaviour.chunkSize ?? 4,
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "x-request-id": requestId(), ...headers });
  response.end(text);
}

let sequence = 0;
function requestId(): string {
  sequence++;
  return `req_test${String(sequence).padStart(6, "0")}`;
}

// ---- OpenAI chat completions ----

interface ChatCompletionsRequest {
  model?: string;
  messages?: { role: string; content?: unknown }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  stop?: string | string[];
}

const asRequest = (body: unknown): ChatCompletionsRequest => (typeof body === "object" && body !== null ? (body as ChatCompletionsRequest) : {});

function split(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces;
}

/** OpenAI's chat-completions protocol, shaped like its real responses. */
export const openAIChatCompletionsProtocol: WireProtocol = {
  isModelCall: (method, path) => method === "POST" && path.endsWith("/chat/completions"),
  isStreaming: (body) => asRequest(body).stream === true,
  stopSequences(body) {
    const stop = asRequest(body).stop;
    return stop === undefined ? [] : Array.isArray(stop) ? stop : [stop];
  },
  promptText: (body) => JSON.stringify(asRequest(body).messages ?? []),

  replyBody(body, reply) {
    const toolCalls = reply.toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } }));
    return {
      id: `chatcmpl-${requestId()}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: asRequest(body).model ?? "unknown",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: reply.text === "" && toolCalls.length > 0 ? null : reply.text,
            refusal: null,
            annotations: [],
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          },
          logprobs: null,
          finish_reason: reply.finishReason,
        },
      ],
      usage: usageOf(reply),
      service_tier: "default",
      system_fingerprint: "fp_test",
    };
  },

  replyEvents(body, reply) {
    const request = asRequest(body);
    const includeUsage = request.stream_options?.include_usage === true;
    const id = `chatcmpl-${requestId()}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: object, finishReason: string | null = null) => ({
      id,
      object: "chat.completion.chunk",
      created,
      model: request.model ?? "unknown",
      service_tier: "default",
      system_fingerprint: "fp_test",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {}),
    });
    const chunks: object[] = [chunk({ role: "assistant", content: "", refusal: null })];
    for (const piece of split(reply.text, reply.chunkSize)) chunks.push(chunk({ content: piece }));
    reply.toolCalls.forEach((call, index) => {
      chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] }));
      for (const piece of split(call.arguments, reply.chunkSize)) chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    });
    chunks.push(chunk({}, reply.finishReason));
    if (includeUsage) {
      chunks.push({ id, object: "chat.completion.chunk", created, model: request.model ?? "unknown", system_fingerprint: "fp_test", choices: [], usage: usageOf(reply) });
    }
    return [...chunks.map((data) => `data: ${JSON.stringify(data)}\n\n`), "data: [DONE]\n\n"];
  },

  errorBody(status, message) {
    const type = status === 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error";
    return { error: { message, type, param: null, code: status === 429 ? "rate_limit_exceeded" : null } };
  },

  imagesSent(body) {
    const urls: string[] = [];
    for (const message of asRequest(body).messages ?? []) {
      if (!Array.isArray(message.content)) continue;
      for (const part of message.content as { type?: string; image_url?: { url?: string } }[]) {
        if (part.type === "image_url" && typeof part.image_url?.url === "string") urls.push(part.image_url.url);
      }
    }
    return urls;
  },
};

function usageOf(reply: ResolvedReply) {
  const { inputTokens, outputTokens } = reply.usage;
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** Starts a server speaking OpenAI's chat-completions protocol under `/v1` (any path ending in `/chat/completions`, so Azure's deployment paths work too). */
export function startOpenAICompatibleServer(): Promise<ModelTestServer> {
  return startScriptedHttpServer(openAIChatCompletionsProtocol);
}
