/**
 * `codeagent mcp-server`: run_code runs a client's program in our sandbox with every tool (here
 * those of an --mcp server) as functions; run_agent runs a whole agent with a progress
 * notification per step. Over stdio (the command started as a child process, spoken to with our
 * own McpClient) and over streamable HTTP (--port 0, spoken to with the SDK's client).
 */
import { request as httpRequest } from "node:http";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";

import { runCli } from "../src/cli/run-cli.js";
import { QuickJsExecutor } from "../src/executors/quickjs/quickjs-executor.js";
import { McpClient } from "../src/mcp/mcp-client.js";
import { codeagentMcpServer } from "../src/mcp/server/codeagent-mcp-server.js";
import { serveOverHttp } from "../src/mcp/server/serve.js";
import { invokeTool } from "../src/tools/invoke-tool.js";
import { tool, type Tool } from "../src/tools/tool.js";
import { capture } from "./fixtures/cli/run-cli-captured.js";
import { modelServerForThisFile } from "./fixtures/cli/model-server.js";
import { TOOLS_SERVER } from "./support/mcp-servers/start-http-server.js";
import { waitUntilGone } from "./support/processes.js";

const modelServer = modelServerForThisFile();
const weatherServer = `"${process.execPath}" "${TOOLS_SERVER}" normal`;

function toolNamed(tools: readonly Tool[], name: string): Tool {
  const found = tools.find((tool) => tool.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

describe("over stdio", () => {
  let mcp: McpClient;
  beforeAll(async () => {
    mcp = await McpClient.connect({
      command: "node_modules/.bin/vite-node",
      args: [
        "test/support/mcp-servers/codeagent-cli-host.ts",
        "mcp-server",
        "--executor",
        "quickjs",
        "--mcp",
        weatherServer,
        "--module",
        "utils=test/fixtures/modules/utils.js",
        "--base-url",
        modelServer().baseURL,
      ],
      cwd: process.cwd(),
      connectTimeoutMs: 60_000,
    });
  }, 70_000);
  afterAll(async () => {
    const pid = mcp.pid;
    await mcp.close();
    if (pid !== undefined) expect(await waitUntilGone(pid, 5_000)).toBe(true);
  });

  test("offers run_code and run_agent; run_code's description lists the functions", () => {
    expect(mcp.tools.map((tool) => tool.name).sort()).toEqual(["run_agent", "run_code"]);
    const description = toolNamed(mcp.tools, "run_code").description;
    expect(description).toMatch(/JavaScript program/);
    expect(description).toMatch(/get_weather\(/);
    expect(description).toMatch(/add_numbers\(/);
    // The --module modules are listed too, importable from the program.
    expect(description).toContain('// module utils: import { ... } from "utils"');
    expect(description).toContain("function cleanText(text, { lower = false } = {})");
  });

  test("run_code calls several tools in one program, and keeps globals for the next", async () => {
    const runCode = toolNamed(mcp.tools, "run_code");
    const code =
      "const cities = ['Paris', 'Oslo', 'Lima'];\n" +
      "for (const city of cities) console.log(get_weather({ city }));\n" +
      "globalThis.saved = add_numbers({ a: 40, b: 2 }).sum;\nsaved";
    const result = (await invokeTool(runCode, { args: [], kwargs: { code }, language: "python" })) as Record<string, unknown>;
    expect(result).toEqual({ logs: "Sunny in Paris, 21°C\nSunny in Oslo, 21°C\nSunny in Lima, 21°C\n", output: 42 });
    expect(await invokeTool(runCode, { args: [], kwargs: { code: "saved + 1" } })).toMatchObject({ output: 43 });
  }, 30_000);

  test("an error in the program is a tool error naming it", async () => {
    const runCode = toolNamed(mcp.tools, "run_code");
    await expect(invokeTool(runCode, { args: [], kwargs: { code: "get_weather({ city: 7 })" } })).rejects.toMatchObject({
      name: "ToolExecutionError",
      message: expect.stringMatching(/city/),
    });
  }, 30_000);
});

test("over HTTP: only a client with the printed token is served; run_agent reports progress per step and returns the answer; Ctrl-C stops the server", async () => {
  const controller = new AbortController();
  const run = capture({}, { signal: controller.signal });
  const exit = runCli(["mcp-server", "--port", "0", "--executor", "quickjs", "--mcp", weatherServer, "--base-url", modelServer().baseURL], run.io);
  const deadline = Date.now() + 30_000;
  let printed: RegExpExecArray | null = null;
  while (printed === null && Date.now() < deadline) {
    printed = /at (http:\/\/127\.0\.0\.1:\d+\/mcp) \(send the header "Authorization: Bearer ([\w-]{43})"\)/.exec(run.stderr());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(printed).not.toBeNull();
  const [, url, token] = printed!;
  const anonymous = await fetch(url!, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" }, body: "{}" });
  expect(anonymous.status).toBe(401);
  const client = new Client({ name: "test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url!), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  try {
    modelServer().enqueue({ kind: "reply", text: "<code>\nconst report = get_weather({ city: 'Rome' });\nconsole.log(report);\n</code>" });
    modelServer().enqueue({ kind: "reply", text: "<code>\nfinal_answer('It is sunny in Rome.')\n</code>" });
    const progress: { progress: number; message?: string }[] = [];
    const result = await client.callTool({ name: "run_agent", arguments: { task: "Weather in Rome?" } }, undefined, {
      onprogress: (update) => progress.push(update),
      timeout: 60_000,
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ output: "It is sunny in Rome.", state: "success", steps: 2 });
    expect(progress.map((update) => update.progress)).toEqual([1, 2]);
    const runCode = await client.callTool({ name: "run_code", arguments: { code: "add_numbers({ a: 1, b: 1 })" } });
    expect(runCode.structuredContent).toEqual({ logs: "", output: { sum: 2, expression: "1 + 1" } });
  } finally {
    await client.close();
    controller.abort();
  }
  expect(await exit).toBe(130);
}, 90_000);

describe("the server built from code", () => {
  test("over HTTP it serves only requests addressed to it (DNS rebinding), and bounds a request's size", async () => {
    const built = await codeagentMcpServer({ tools: [], language: "javascript", openExecutor: async () => new QuickJsExecutor() });
    const controller = new AbortController();
    let url = "";
    const serving = serveOverHttp(built, { port: 0, token: "secret", onListening: (address) => (url = address) }, controller.signal);
    try {
      while (url === "") await new Promise((resolve) => setTimeout(resolve, 10));
      const body = JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "test", version: "1" } },
      });
      const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream", Authorization: "Bearer secret" };
      const { port } = new URL(url);
      const rebound = await requestWithHost(url, `attacker.example:${port}`, body);
      expect(rebound).toBe(403);
      const fromPage = await fetch(url, { method: "POST", headers: { ...headers, Origin: "http://attacker.example" }, body });
      expect(fromPage.status).toBe(403);
      const flood = await fetch(url, { method: "POST", headers, body: "x".repeat(9 * 1024 * 1024) });
      expect(flood.status).toBe(413);
      const own = await fetch(url, { method: "POST", headers, body });
      expect(own.status).toBe(200);
      await own.body?.cancel();
    } finally {
      controller.abort();
      await serving;
      await built.close();
    }
  });

  test("run_code refuses a tool that needs approval unless onApproval allows it", async () => {
    const ran: string[] = [];
    const deleteFile = tool({
      name: "delete_file",
      description: "Deletes a file.",
      inputSchema: z.object({ path: z.string() }),
      needsApproval: true,
      execute: ({ path }) => void ran.push(path),
    });
    for (const [onApproval, expected] of [
      [undefined, []],
      [async () => true, ["/tmp/x"]],
    ] as const) {
      ran.length = 0;
      const built = await codeagentMcpServer({ tools: [deleteFile], language: "javascript", openExecutor: async () => new QuickJsExecutor(), ...(onApproval ? { onApproval } : {}) });
      const client = new Client({ name: "test", version: "1" });
      const server = built.createServer();
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
      try {
        const result = await client.callTool({ name: "run_code", arguments: { code: "let said\ntry { delete_file({ path: '/tmp/x' }); said = 'ran' } catch (error) { said = error.message }\nsaid" } });
        const output = (result.structuredContent as { output: string }).output;
        if (onApproval) expect(output).toBe("ran");
        else expect(output).toMatch(/not approved.*no onApproval/s);
        expect(ran).toEqual(expected);
      } finally {
        await client.close();
        await built.close();
      }
    }
  });
});

/** A POST with a Host header of our choosing (fetch does not let a caller set Host). */
function requestWithHost(url: string, host: string, body: string): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      { hostname: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: { Host: host, "Content-Type": "application/json", Accept: "application/json, text/event-stream", Authorization: "Bearer secret" } },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    sent.on("error", reject);
    sent.end(body);
  });
}
