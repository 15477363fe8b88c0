/**
 * Serving a built codeagent MCP server over stdio (one client, the process that started us, one
 * sandbox) or streamable HTTP (sessions: each client that initializes gets its own MCP server and
 * sandbox; every request must carry the bearer token). Both resolve when serving ends: stdin
 * closed, or `signal` aborted.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { AgentConfigurationError } from "../../errors.js";
import { carriesBearerToken } from "./bearer-token.js";
import type { CodeagentMcpServer } from "./codeagent-mcp-server.js";
import { HttpSessions, type HttpSession } from "./http-sessions.js";

/** The process's standard streams as Node gives them, declared here so the public types need no `@types/node`. */
export interface StdioInput {
  once(event: string, listener: (...args: unknown[]) => void): unknown;
}
/** See {@link StdioInput}. */
export interface StdioOutput {
  write(chunk: string): unknown;
}

/** Serves over `stdin`/`stdout` (`process.stdin`, `process.stdout`) until stdin ends or `signal` aborts. */
export async function serveOverStdio(built: CodeagentMcpServer, stdin: StdioInput, stdout: StdioOutput, signal?: AbortSignal): Promise<void> {
  const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
  const server = built.createServer();
  const transport = new StdioServerTransport(stdin as never, stdout as never);
  const ended = new Promise<void>((resolve) => {
    // The transport does not watch for the end of stdin; a client that goes away closes it.
    stdin.once("end", () => resolve());
    stdin.once("close", () => resolve());
    transport.onclose = () => resolve();
    signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  await server.connect(transport);
  try {
    await ended;
  } finally {
    await server.close().catch(() => undefined);
  }
}

/** Where and how the HTTP server serves. */
export interface HttpListenOptions {
  port: number;
  /** Default 127.0.0.1: only this machine can reach it. */
  hostname?: string;
  /**
   * The secret every request must carry as `Authorization: Bearer <token>` (others get 401), or
   * `null` to serve without one. Required, so that no server is open to every process and user
   * of the machine because an option was forgotten: `null` is for a caller that controls who can
   * connect some other way. `codeagent mcp-server --port` makes a random one unless given.
   */
  token: string | null;
  /** A session with no request for this long ends, with its sandbox. Default 30 minutes. */
  idleTimeoutMs?: number;
  /** Sessions open at once; an `initialize` beyond them gets 503. Default 32. */
  maxSessions?: number;
  /** Told the address once listening (the real port when `port` is 0). */
  onListening?: (url: string) => void;
}

const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60 * 1000;
const DEFAULT_MAX_SESSIONS = 32;

/**
 * Serves streamable HTTP at `/mcp` until `signal` aborts, with sessions as the MCP specification
 * describes them: POST `initialize` opens one (the response's `Mcp-Session-Id` names it), later
 * POSTs and the GET stream name it, DELETE ends it; an unknown id gets 404. A client's
 * `notifications/cancelled`, or a dropped connection, stops the request's program.
 */
export async function serveOverHttp(built: CodeagentMcpServer, listen: HttpListenOptions, signal?: AbortSignal): Promise<void> {
  const token = checkedToken(listen.token);
  const { StreamableHTTPServerTransport } = await import("@modelcontextprotocol/sdk/server/streamableHttp.js");
  const { isInitializeRequest, isJSONRPCRequest } = await import("@modelcontextprotocol/sdk/types.js");
  const sessions = new HttpSessions(built, StreamableHTTPServerTransport, {
    maxSessions: positiveWholeNumber("maxSessions", listen.maxSessions, DEFAULT_MAX_SESSIONS),
    idleTimeoutMs: positiveWholeNumber("idleTimeoutMs", listen.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS),
  });
  let allowedHosts = new Set<string>();

  /** A POST: JSON-RPC messages for the session named, or an `initialize` that opens one. */
  const post = async (request: IncomingMessage, response: ServerResponse, session: HttpSession | undefined): Promise<void> => {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request));
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        response.writeHead(413, { "Content-Type": "text/plain", Connection: "close" }).end(`A request may carry at most ${MAX_BODY_BYTES} bytes.\n`);
        return;
      }
      jsonRpcError(response, 400, -32700, "Parse error");
      return;
    }
    const messages: unknown[] = Array.isArray(body) ? body : [body];
    const opening = session === undefined;
    if (session === undefined) {
      if (!messages.some((message) => isInitializeRequest(message))) {
        jsonRpcError(response, 400, -32000, "Bad Request: send the Mcp-Session-Id header the initialize response gave, or initialize a session first.");
        return;
      }
      session = await sessions.open();
      if (session === undefined) {
        response.writeHead(503, { "Content-Type": "text/plain" }).end(sessions.fullMessage());
        return;
      }
    }
    const current = session;
    const requestIds = messages.filter((message) => isJSONRPCRequest(message)).map((message) => message.id);
    const done = current.begin();
    response.once("close", () => {
      done();
      // The client went away before the answer: stop what it asked for.
      if (!response.writableFinished) current.cancel(requestIds, "The client closed the connection.");
    });
    await current.transport.handleRequest(request, response, body);
    // The initialize was refused (the transport said why): no session began.
    if (opening && current.transport.sessionId === undefined) await current.end();
    // The SDK stops a cancelled request's handler but leaves its response stream open with
    // nothing ever to send; end it so the client's connection and the session's count are freed.
    for (const requestId of cancelledRequestIds(messages)) current.transport.closeSSEStream(requestId);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    // A web page the user visits may send requests here: under a name it rebound to 127.0.0.1
    // (its own Host), or from its own origin. Only requests addressed to this server are served.
    const origin = request.headers.origin;
    if (!allowedHosts.has(request.headers.host ?? "") || (origin !== undefined && !allowedHosts.has(origin.replace(/^http:\/\//, "")))) {
      response.writeHead(403, { "Content-Type": "text/plain" }).end("Requests must be addressed to this server by its own address.\n");
      return;
    }
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (path !== "/mcp") {
      response.writeHead(404, { "Content-Type": "text/plain" }).end("The MCP endpoint is /mcp.\n");
      return;
    }
    if (token !== null && !carriesBearerToken(request.headers.authorization, token)) {
      response
        .writeHead(401, { "Content-Type": "text/plain", "WWW-Authenticate": "Bearer" })
        .end('Send the header "Authorization: Bearer <token>" with the token codeagent mcp-server printed when it started (or the one it was given with --token or CODEAGENT_MCP_TOKEN).\n');
      return;
    }
    const method = request.method ?? "";
    if (method !== "POST" && method !== "GET" && method !== "DELETE") {
      response.writeHead(405, { Allow: "GET, POST, DELETE" }).end();
      return;
    }
    const sessionId = request.headers["mcp-session-id"];
    let session: HttpSession | undefined;
    if (typeof sessionId === "string") {
      session = sessions.find(sessionId);
      if (session === undefined) {
        jsonRpcError(response, 404, -32001, "Session not found: it was ended (DELETE, or idle too long) or never existed. Initialize a new session.");
        return;
      }
    }
    if (method !== "POST") {
      if (session === undefined) {
        jsonRpcError(response, 400, -32000, `Bad Request: ${method} needs the Mcp-Session-Id header the initialize response gave.`);
        return;
      }
      if (method === "GET") session.touch();
      else response.once("close", session.begin());
      await session.transport.handleRequest(request, response);
      return;
    }
    await post(request, response, session);
  };

  const http = createHttpServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { "Content-Type": "text/plain" });
      response.end(`${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  const hostname = listen.hostname ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(listen.port, hostname, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`]);
  listen.onListening?.(`http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}/mcp`);
  await new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  await sessions.endAll();
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}

function checkedToken(token: string | null | undefined): string | null {
  if (token === undefined) {
    throw new AgentConfigurationError(
      'serveOverHttp needs the option token: the secret clients must send as "Authorization: Bearer <token>", or null to let in every process that can reach the port.',
    );
  }
  if (token !== null && token.trim() === "") throw new AgentConfigurationError("serveOverHttp was given an empty token; give a secret (or null to serve without one).");
  return token;
}

function positiveWholeNumber(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new AgentConfigurationError(`serveOverHttp's ${name} must be a whole number of at least 1; got ${value}.`);
  return value;
}

function jsonRpcError(response: ServerResponse, status: number, code: number, message: string): void {
  response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }));
}

function cancelledRequestIds(messages: readonly unknown[]): (string | number)[] {
  return messages.flatMap((message) => {
    const { method, params } = (message ?? {}) as { method?: unknown; params?: { requestId?: unknown } };
    const requestId = params?.requestId;
    return method === "notifications/cancelled" && (typeof requestId === "string" || typeof requestId === "number") ? [requestId] : [];
  });
}

/** The largest request body taken: a program and its arguments, with room to spare. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

class BodyTooLargeError extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
