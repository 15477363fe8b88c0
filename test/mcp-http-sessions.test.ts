/**
 * `serveOverHttp`: every request needs the bearer token; each client that initializes gets a
 * session with its own sandbox, ended by DELETE, by idling, or by the server stopping; a
 * cancelled or abandoned run_code stops its program; sessions beyond the cap get 503. Spoken to
 * with the SDK's client and with plain fetch where the SDK client cannot say it (a dropped
 * connection, a raw session id).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";

import { QuickJsExecutor } from "../src/executors/quickjs/quickjs-executor.js";
import { codeagentMcpServer } from "../src/mcp/server/codeagent-mcp-server.js";
import { serveOverHttp, type HttpListenOptions } from "../src/mcp/server/serve.js";
import { tool } from "../src/tools/tool.js";

const TOKEN = "test-token-0123456789";

/** Sandboxes opened and closed, to see that a session's sandbox ends with it. */
let sandboxes = { opened: 0, closed: 0 };
class CountedExecutor extends QuickJsExecutor {
  override async close(): Promise<void> {
    sandboxes.closed += 1;
    await super.close();
  }
}

/** Resolved when a program calls started(): the program is running. */
let programStarted: () => void = () => undefined;
const started = tool({
  name: "started",
  description: "Says the program has started.",
  inputSchema: z.object({}),
  execute: () => {
    programStarted();
    return "ok";
  },
});

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function serve(options: Partial<HttpListenOptions> = {}): Promise<string> {
  sandboxes = { opened: 0, closed: 0 };
  const built = await codeagentMcpServer({
    tools: [started],
    language: "javascript",
    openExecutor: async () => {
      sandboxes.opened += 1;
      // Far longer than any test waits: a program that ends did so because it was stopped.
      return new CountedExecutor({ timeoutMs: 60_000 });
    },
  });
  const controller = new AbortController();
  let url = "";
  const serving = serveOverHttp(built, { port: 0, token: TOKEN, ...options, onListening: (address) => (url = address) }, controller.signal);
  stops.push(async () => {
    controller.abort();
    await serving;
    await built.close();
  });
  while (url === "") await new Promise((resolve) => setTimeout(resolve, 10));
  return url;
}

/** Connects with `token` as the bearer token; null sends no Authorization header. */
async function connect(url: string, token: string | null = TOKEN): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: "test", version: "1" });
  const transport = new StreamableHTTPClientTransport(new URL(url), token === null ? {} : { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  stops.unshift(() => client.close());
  return { client, transport };
}

async function runCode(client: Client, code: string, options: { signal?: AbortSignal } = {}) {
  // The request time limit is the bound of "it did stop": far below the sandbox's 60 s.
  const result = await client.callTool({ name: "run_code", arguments: { code } }, undefined, { timeout: 20_000, ...options });
  return result.structuredContent as { output: unknown; error?: { type: string; message: string } };
}

function untilProgramStarts(): Promise<void> {
  return new Promise((resolve) => (programStarted = resolve));
}

async function untilSandboxesClosed(count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (sandboxes.closed < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(sandboxes.closed).toBe(count);
}

const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };

/** A plain POST in an existing session, as the SDK client would send it. */
function postInSession(url: string, sessionId: string, message: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { ...JSON_HEADERS, Authorization: `Bearer ${TOKEN}`, "Mcp-Session-Id": sessionId, "Mcp-Protocol-Version": LATEST_PROTOCOL_VERSION },
    body: JSON.stringify(message),
    ...(signal ? { signal } : {}),
  });
}

describe("the bearer token", () => {
  test("a request without it or with a wrong one gets 401 saying what to send; the right one is served", async () => {
    const url = await serve();
    await expect(connect(url, null)).rejects.toMatchObject({ code: 401, message: expect.stringMatching(/Send the header "Authorization: Bearer <token>"/) });
    await expect(connect(url, "wrong-token")).rejects.toMatchObject({ code: 401 });
    await expect(connect(url, TOKEN.slice(0, -1))).rejects.toMatchObject({ code: 401 });
    const { client } = await connect(url);
    expect((await client.listTools()).tools.map((offered) => offered.name)).toContain("run_code");
  });

  test("the library needs a token or an explicit null", async () => {
    const built = await codeagentMcpServer({ tools: [], language: "javascript", openExecutor: async () => new QuickJsExecutor() });
    const missing = { port: 0 } as HttpListenOptions;
    await expect(serveOverHttp(built, missing)).rejects.toThrow(/needs the option token/);
    await expect(serveOverHttp(built, { port: 0, token: " " })).rejects.toThrow(/empty token/);
    const controller = new AbortController();
    let url = "";
    const serving = serveOverHttp(built, { port: 0, token: null, onListening: (address) => (url = address) }, controller.signal);
    try {
      while (url === "") await new Promise((resolve) => setTimeout(resolve, 10));
      const { client } = await connect(url, null);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    } finally {
      controller.abort();
      await serving;
      await built.close();
    }
  });
});

describe("sessions", () => {
  test("two clients have separate sandboxes: one's variables are not defined in the other's", async () => {
    const url = await serve();
    const first = await connect(url);
    const second = await connect(url);
    expect(first.transport.sessionId).toBeDefined();
    expect(second.transport.sessionId).not.toBe(first.transport.sessionId);
    expect(await runCode(first.client, "globalThis.x = 1; x")).toMatchObject({ output: 1 });
    expect((await runCode(second.client, "x")).error).toMatchObject({ type: "ReferenceError", message: expect.stringMatching(/x/) });
    expect(await runCode(first.client, "x + 1")).toMatchObject({ output: 2 });
    expect(sandboxes.opened).toBe(2);
  }, 30_000);

  test("DELETE ends the session and its sandbox; a request naming it then gets 404", async () => {
    const url = await serve();
    const { client, transport } = await connect(url);
    await runCode(client, "globalThis.x = 1");
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    expect(sandboxes.closed).toBe(1);
    const after = await postInSession(url, sessionId, { jsonrpc: "2.0", id: 9, method: "tools/list", params: {} });
    expect(after.status).toBe(404);
    expect(await after.text()).toMatch(/Session not found.*Initialize a new session/);
  }, 30_000);

  test("a session idle for idleTimeoutMs ends with its sandbox", async () => {
    const url = await serve({ idleTimeoutMs: 500 });
    const { client, transport } = await connect(url);
    await runCode(client, "globalThis.x = 1");
    const sessionId = transport.sessionId!;
    await untilSandboxesClosed(1);
    const after = await postInSession(url, sessionId, { jsonrpc: "2.0", id: 9, method: "tools/list", params: {} });
    expect(after.status).toBe(404);
  }, 30_000);

  test("a program running longer than the idle time keeps its session", async () => {
    const url = await serve({ idleTimeoutMs: 500 });
    const { client } = await connect(url);
    expect(await runCode(client, "const end = Date.now() + 2000; while (Date.now() < end) {} globalThis.kept = 'yes'; kept")).toMatchObject({ output: "yes" });
    expect(sandboxes.closed).toBe(0);
  }, 30_000);

  test("an initialize beyond maxSessions gets 503 saying why; ending a session makes room", async () => {
    const url = await serve({ maxSessions: 2 });
    const first = await connect(url);
    await connect(url);
    await expect(connect(url)).rejects.toMatchObject({ code: 503, message: expect.stringMatching(/already has 2 sessions open.*DELETE/s) });
    await first.transport.terminateSession();
    const third = await connect(url);
    expect(await runCode(third.client, "1 + 1")).toMatchObject({ output: 2 });
  }, 30_000);

  test("a request without a session id must be an initialize; GET opens the session's stream", async () => {
    const url = await serve();
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const list = await fetch(url, { method: "POST", headers: { ...JSON_HEADERS, ...auth }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }) });
    expect(list.status).toBe(400);
    expect(await list.text()).toMatch(/initialize a session first/);
    const { transport } = await connect(url);
    const stream = new AbortController();
    // The SDK client holds its own GET stream already, and a session has one.
    const get = await fetch(url, {
      headers: { ...auth, Accept: "text/event-stream", "Mcp-Session-Id": transport.sessionId!, "Mcp-Protocol-Version": LATEST_PROTOCOL_VERSION },
      signal: stream.signal,
    });
    expect([200, 409]).toContain(get.status);
    stream.abort();
    const unknown = await fetch(url, { headers: { ...auth, Accept: "text/event-stream", "Mcp-Session-Id": "no-such-session" } });
    expect(unknown.status).toBe(404);
  }, 30_000);
});

describe("stopping a running program", () => {
  test("the client's cancellation stops an endless run_code; the session's next program runs, and the session can idle again", async () => {
    const url = await serve({ idleTimeoutMs: 500 });
    const { client } = await connect(url);
    await runCode(client, "globalThis.before = 'kept'");
    const running = untilProgramStarts();
    const controller = new AbortController();
    const endless = runCode(client, "started({}); while (true) {}", { signal: controller.signal });
    await running;
    controller.abort("no longer needed");
    await expect(endless).rejects.toThrow();
    // One program at a time per sandbox: this runs only once the endless one was stopped.
    expect(await runCode(client, "before + '!'")).toMatchObject({ output: "kept!" });
    // The cancelled request's response stream was ended, so it no longer counts as a request under way.
    await untilSandboxesClosed(1);
  }, 30_000);

  test("a client that drops the connection of a running run_code stops the program", async () => {
    const url = await serve();
    const { client, transport } = await connect(url);
    const running = untilProgramStarts();
    const connection = new AbortController();
    const call = { jsonrpc: "2.0", id: 77, method: "tools/call", params: { name: "run_code", arguments: { code: "started({}); while (true) {}" } } };
    const response = await postInSession(url, transport.sessionId!, call, connection.signal);
    expect(response.status).toBe(200);
    await running;
    connection.abort();
    expect(await runCode(client, "'free again'")).toMatchObject({ output: "free again" });
  }, 30_000);
});
