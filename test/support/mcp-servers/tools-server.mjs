/**
 * MCP servers for the tests, written with the official SDK. `node tools-server.mjs <kind> [--http]`
 * serves over stdio, or with --http over streamable HTTP on 127.0.0.1 (a free port, printed as
 * "listening <port>" on stdout). Kinds:
 * - normal: get_weather (text), add-numbers (structured output with an output schema),
 *   draw_pixel (an image), calls_so_far (how many tool calls this process has served);
 * - failing: quota_check (an error result), throws_inside (a handler that throws);
 * - dying: crash (exits in the middle of the call, after writing to stderr), still_here.
 * With --linger the process keeps running after its stdin closes; with MCP_PID_FILE set in its
 * environment it writes its pid to that file.
 */
import { writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";

import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

// A 1x1 PNG (one red pixel).
export const PIXEL_PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

let callsServed = 0;

function buildServer(kind) {
  const server = new McpServer({ name: `test-${kind}`, version: "1.0.0" });
  const count = (handler) => async (args) => {
    callsServed += 1;
    return handler(args);
  };
  if (kind === "normal") {
    server.registerTool(
      "get_weather",
      {
        description: "Current weather for a city.",
        inputSchema: { city: z.string().min(1).describe("City name, e.g. 'Paris'"), unit: z.enum(["c", "f"]).default("c") },
      },
      count(({ city, unit }) => ({ content: [{ type: "text", text: `Sunny in ${city}, ${unit === "f" ? "70°F" : "21°C"}` }] })),
    );
    server.registerTool(
      "add-numbers",
      {
        description: "Adds two numbers.",
        inputSchema: { a: z.number(), b: z.number() },
        outputSchema: { sum: z.number().describe("a + b"), expression: z.string() },
      },
      count(({ a, b }) => {
        const structured = { sum: a + b, expression: `${a} + ${b}` };
        return { content: [{ type: "text", text: JSON.stringify(structured) }], structuredContent: structured };
      }),
    );
    server.registerTool(
      "draw_pixel",
      { description: "Draws one red pixel as a PNG image.", inputSchema: {} },
      count(() => ({ content: [{ type: "image", data: PIXEL_PNG_BASE64, mimeType: "image/png" }] })),
    );
    server.registerTool(
      "calls_so_far",
      { description: "How many tool calls this server process has served before this one.", inputSchema: {} },
      async () => ({ content: [{ type: "text", text: String(callsServed) }] }),
    );
  } else if (kind === "failing") {
    server.registerTool(
      "quota_check",
      { description: "Always reports that the quota is used up.", inputSchema: {} },
      async () => ({ content: [{ type: "text", text: "Quota exceeded for today; try again tomorrow." }], isError: true }),
    );
    server.registerTool(
      "throws_inside",
      { description: "Its handler throws.", inputSchema: { reason: z.string() } },
      async ({ reason }) => {
        throw new Error(`handler failed: ${reason}`);
      },
    );
  } else if (kind === "dying") {
    server.registerTool("crash", { description: "Exits in the middle of the call.", inputSchema: {} }, async () => {
      process.stderr.write("dying server: about to exit with code 3\n");
      setTimeout(() => process.exit(3), 20);
      return await new Promise(() => {});
    });
    server.registerTool("still_here", { description: "Answers yes.", inputSchema: {} }, async () => ({
      content: [{ type: "text", text: "yes" }],
    }));
  } else {
    throw new Error(`unknown server kind ${kind}`);
  }
  return server;
}

async function serveStdio(kind) {
  await buildServer(kind).connect(new StdioServerTransport());
}

// Stateless streamable HTTP: a fresh server and transport per request (the SDK's recommended
// way to serve without sessions); the tool call counter lives in the process.
async function serveHttp(kind) {
  const http = createHttpServer(async (request, response) => {
    if (request.method !== "POST") {
      response.writeHead(405, { Allow: "POST" }).end();
      return;
    }
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const server = buildServer(kind);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
  });
  http.listen(0, "127.0.0.1", () => {
    process.stdout.write(`listening ${http.address().port}\n`);
  });
}

const [kind = "normal", ...flags] = process.argv.slice(2);
// Tests that cannot see the process (the CLI starts it) learn its pid from this file.
if (process.env.MCP_PID_FILE) writeFileSync(process.env.MCP_PID_FILE, String(process.pid));
// --linger: keep running after stdin closes, like a server busy with background work would.
if (flags.includes("--linger")) setInterval(() => {}, 1000);
if (flags.includes("--http")) await serveHttp(kind);
else await serveStdio(kind);
