/**
 * Serving a built codeagent MCP server over stdio (one client, the process that started us) or
 * streamable HTTP (any number of clients, stateless: a fresh MCP server per request, sharing the
 * sandbox). Both resolve when serving ends: stdin closed, or `signal` aborted.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { CodeagentMcpServer } from "./codeagent-mcp-server.js";

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

/** Where the HTTP server listens. */
export interface HttpListenOptions {
  port: number;
  /** Default 127.0.0.1: only this machine can reach it. */
  hostname?: string;
  /** Told the address once listening (the real port when `port` is 0). */
  onListening?: (url: string) => void;
}

/** Serves streamable HTTP at `/mcp` until `signal` aborts. */
export async function serveOverHttp(built: CodeagentMcpServer, listen: HttpListenOptions, signal?: AbortSignal): Promise<void> {
  const { StreamableHTTPServerTransport } = await import("@modelcontextprotocol/sdk/server/streamableHttp.js");
  let allowedHosts = new Set<string>();
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
    if (request.method !== "POST") {
      // Stateless: no server-initiated stream and no session to delete.
      response.writeHead(405, { Allow: "POST" }).end();
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request));
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        response.writeHead(413, { "Content-Type": "text/plain", Connection: "close" }).end(`A request may carry at most ${MAX_BODY_BYTES} bytes.\n`);
        return;
      }
      response.writeHead(400, { "Content-Type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error" }, id: null }));
      return;
    }
    const server = built.createServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
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
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
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
