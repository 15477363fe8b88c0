/**
 * McpClient against real MCP servers (test/support/mcp-servers/tools-server.mjs, written with the
 * same SDK) over stdio and over streamable HTTP: tools listed and converted into codeagent tools,
 * arguments validated against the server's JSON Schema, structured output, images, error results,
 * a server dying mid-call, close(), and an agent run in QuickJS calling an MCP tool.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { CodeAgent } from "../src/agents/code-agent.js";
import { McpClient, connectMcpServers, type McpServerSpec } from "../src/mcp/mcp-client.js";
import { McpConnectionError, McpToolNameClashError } from "../src/mcp/mcp-errors.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { invokeTool } from "../src/tools/invoke-tool.js";
import { renderJavaScriptStub } from "../src/tools/javascript-stub.js";
import { renderPythonStub } from "../src/tools/python-stub.js";
import type { Tool } from "../src/tools/tool.js";
import { PIXEL_PNG_BASE64 } from "./support/mcp-servers/tools-server.mjs";
import { startHttpTestServer, TOOLS_SERVER, type HttpTestServer } from "./support/mcp-servers/start-http-server.js";
import { processExists, waitUntilGone } from "./support/processes.js";

type Kind = "normal" | "failing" | "dying";
const httpServers = new Map<Kind, HttpTestServer>();

beforeAll(async () => {
  for (const kind of ["normal", "failing", "dying"] as const) httpServers.set(kind, await startHttpTestServer(kind));
}, 30_000);
afterAll(async () => {
  await Promise.all([...httpServers.values()].map((server) => server.stop()));
});

const transports = {
  stdio: (kind: Kind): McpServerSpec => ({ command: process.execPath, args: [TOOLS_SERVER, kind] }),
  http: (kind: Kind): McpServerSpec => ({ url: httpServers.get(kind)!.url }),
};

function toolNamed(tools: readonly Tool[], name: string): Tool {
  const found = tools.find((tool) => tool.name === name);
  if (!found) throw new Error(`no tool ${name} among ${tools.map((tool) => tool.name).join(", ")}`);
  return found;
}

const call = (tool: Tool, kwargs: Record<string, unknown>, language: "python" | "javascript" = "python") =>
  invokeTool(tool, { args: [], kwargs, language });

describe.each(["stdio", "http"] as const)("over %s", (transport) => {
  const spec = transports[transport];

  test("lists the server's tools as codeagent tools with stubs, and calls them", async () => {
    const mcp = await McpClient.connect(spec("normal"));
    try {
      expect(mcp.tools.map((tool) => tool.name).sort()).toEqual(["add_numbers", "calls_so_far", "draw_pixel", "get_weather"]);
      const weather = toolNamed(mcp.tools, "get_weather");
      expect(weather.description).toBe("Current weather for a city.");
      const pythonStub = renderPythonStub(weather);
      expect(pythonStub).toMatch(/def get_weather\(city: str, unit: .*\)/);
      expect(pythonStub).toContain("City name, e.g. 'Paris'");
      expect(renderJavaScriptStub(weather)).toMatch(/get_weather\(/);
      expect(await call(weather, { city: "Paris" })).toBe("Sunny in Paris, 21°C");
      expect(await call(weather, { city: "Oslo", unit: "f" }, "javascript")).toBe("Sunny in Oslo, 70°F");
    } finally {
      await mcp.close();
    }
  });

  test("arguments that break the JSON Schema fail before reaching the server", async () => {
    const mcp = await McpClient.connect(spec("normal"));
    try {
      const weather = toolNamed(mcp.tools, "get_weather");
      const served = Number(await call(toolNamed(mcp.tools, "calls_so_far"), {}));
      await expect(call(weather, { city: 42 })).rejects.toMatchObject({ name: "ToolArgumentError", message: expect.stringMatching(/argument 'city'.*string/) });
      await expect(call(weather, { city: "Rome", unit: "kelvin" })).rejects.toMatchObject({ name: "ToolArgumentError", message: expect.stringMatching(/'unit'.*"c", "f"/) });
      await expect(call(weather, { city: "" })).rejects.toMatchObject({ name: "ToolArgumentError", message: expect.stringMatching(/'city'.*fewer than 1/) });
      await expect(call(weather, {})).rejects.toMatchObject({ name: "ToolArgumentError", message: expect.stringMatching(/city/) });
      // None of them reached the server (the HTTP server counts per process too).
      expect(Number(await call(toolNamed(mcp.tools, "calls_so_far"), {}))).toBe(served);
    } finally {
      await mcp.close();
    }
  });

  test("structured output stays structured, and the output schema is the stub's return type", async () => {
    const mcp = await McpClient.connect(spec("normal"));
    try {
      const add = toolNamed(mcp.tools, "add_numbers");
      expect(add.returns).toMatchObject({ type: "object", properties: { sum: { type: "number" } } });
      expect(renderPythonStub(add)).toMatch(/def add_numbers\(a: (float|int|int \| float), b: .*\) -> .*sum/s);
      expect(await call(add, { a: 2, b: 40 })).toEqual({ sum: 42, expression: "2 + 40" });
    } finally {
      await mcp.close();
    }
  });

  test("image content becomes a codeagent image", async () => {
    const mcp = await McpClient.connect(spec("normal"));
    try {
      const pixel = (await call(toolNamed(mcp.tools, "draw_pixel"), {})) as { type: string; image: Uint8Array; mediaType: string };
      expect(pixel.type).toBe("image");
      expect(pixel.mediaType).toBe("image/png");
      expect(Buffer.from(pixel.image).toString("base64")).toBe(PIXEL_PNG_BASE64);
    } finally {
      await mcp.close();
    }
  });

  test("an error result and a throwing handler are tool errors with the server's message", async () => {
    const mcp = await McpClient.connect(spec("failing"));
    try {
      await expect(call(toolNamed(mcp.tools, "quota_check"), {})).rejects.toMatchObject({
        name: "ToolExecutionError",
        message: "Quota exceeded for today; try again tomorrow.",
      });
      await expect(call(toolNamed(mcp.tools, "throws_inside"), { reason: "disk full" })).rejects.toMatchObject({
        name: "ToolExecutionError",
        message: expect.stringContaining("handler failed: disk full"),
      });
    } finally {
      await mcp.close();
    }
  });

  test("a server dying in the middle of a call is a tool error, and later calls fail clearly", async () => {
    const mcp = await McpClient.connect({ ...spec("dying"), timeoutMs: 15_000 });
    const started = Date.now();
    try {
      await expect(call(toolNamed(mcp.tools, "crash"), {})).rejects.toMatchObject({
        name: "ToolExecutionError",
        message: expect.stringMatching(transport === "stdio" ? /stopped answering.*crash.*about to exit with code 3/s : /stopped answering.*crash.*SSE stream disconnected/s),
      });
      expect(Date.now() - started).toBeLessThan(10_000);
      if (transport === "stdio") expect(await waitUntilGone(mcp.pid!, 5_000)).toBe(true);
      await expect(call(toolNamed(mcp.tools, "still_here"), {})).rejects.toMatchObject({
        name: "ToolExecutionError",
        message: expect.stringMatching(/no longer connected/),
      });
    } finally {
      await mcp.close();
    }
  }, 20_000);
});

test("close() ends a stdio server's process, and calls after close fail clearly", async () => {
  const mcp = await McpClient.connect(transports.stdio("normal"));
  const pid = mcp.pid!;
  expect(processExists(pid)).toBe(true);
  await mcp.close();
  await mcp.close();
  expect(await waitUntilGone(pid, 5_000)).toBe(true);
  await expect(call(toolNamed(mcp.tools, "get_weather"), { city: "Paris" })).rejects.toThrow(/no longer connected/);
});

test("a host that exits without closing its client takes the stdio server with it", async () => {
  const { stdout } = await promisify(execFile)("node_modules/.bin/vite-node", ["test/support/mcp-servers/exit-host.ts"], { timeout: 60_000 });
  const pid = Number(/server (\d+)/.exec(stdout)?.[1]);
  expect(pid).toBeGreaterThan(0);
  expect(await waitUntilGone(pid, 5_000)).toBe(true);
}, 70_000);

test("a host that exits while still connecting takes the stdio server with it", async () => {
  const pidFile = join(mkdtempSync(join(tmpdir(), "mcp-pid-")), "pid");
  await promisify(execFile)("node_modules/.bin/vite-node", ["test/support/mcp-servers/exit-host.ts", "--during-connect", pidFile], { timeout: 60_000 }).catch(
    (error: { code?: number }) => expect(error.code).toBe(130),
  );
  const pid = Number(readFileSync(pidFile, "utf8"));
  expect(pid).toBeGreaterThan(0);
  expect(await waitUntilGone(pid, 5_000)).toBe(true);
}, 70_000);

test("several servers at once; a name clash is a clear error unless a toolPrefix keeps them apart", async () => {
  await expect(connectMcpServers([transports.stdio("normal"), transports.http("normal")])).rejects.toThrow(McpToolNameClashError);
  const clients = await connectMcpServers([transports.stdio("normal"), { ...transports.http("normal"), toolPrefix: "remote_" }, transports.stdio("failing")]);
  try {
    const names = clients.flatMap((client) => client.tools.map((tool) => tool.name));
    expect(names).toEqual(expect.arrayContaining(["get_weather", "remote_get_weather", "remote_add_numbers", "quota_check"]));
    expect(await call(toolNamed(names.map((name) => toolNamed(clients.flatMap((c) => c.tools), name)), "remote_get_weather"), { city: "Lima" })).toBe("Sunny in Lima, 21°C");
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
  const pids = clients.flatMap((client) => (client.pid === undefined ? [] : [client.pid]));
  expect(pids).toHaveLength(2);
  for (const pid of pids) expect(await waitUntilGone(pid, 5_000)).toBe(true);
}, 30_000);

test("a command that does not exist, or a URL nobody serves, is an McpConnectionError saying what to do", async () => {
  await expect(McpClient.connect({ command: "no-such-mcp-server-command" })).rejects.toThrow(McpConnectionError);
  await expect(McpClient.connect({ command: "no-such-mcp-server-command" })).rejects.toThrow(/was not found. Install it or give its full path/);
  await expect(McpClient.connect({ command: process.execPath, args: ["-e", "process.stderr.write('bad config'); process.exit(1)"] })).rejects.toThrow(/Could not start the MCP server.*bad config/s);
  await expect(McpClient.connect({ url: "http://127.0.0.1:9/mcp", connectTimeoutMs: 5_000 })).rejects.toThrow(/Could not connect to the MCP server at http:\/\/127.0.0.1:9\/mcp/);
});

const ENDLESS_PAGING_SERVER = fileURLToPath(new URL("./support/mcp-servers/endless-paging-server.mjs", import.meta.url));

test.each([
  { kind: "fresh-empty", error: /still offered another page of its tool list after 100 pages \(0 tools so far\)/ },
  { kind: "fresh-tools", error: /still offered another page of its tool list after 100 pages \(100 tools so far\)/ },
])("a server whose tool list pages without end ($kind) is an McpConnectionError saying so", async ({ kind, error }) => {
  // The time limit is longer than the test's: only the bound on pages can end the listing.
  const connecting = McpClient.connect({ command: process.execPath, args: [ENDLESS_PAGING_SERVER, kind], connectTimeoutMs: 600_000 });
  await expect(connecting).rejects.toThrow(McpConnectionError);
  await expect(connecting).rejects.toThrow(error);
});

test("a server that hands out a cursor again has no more pages: the tools it listed are kept", async () => {
  const mcp = await McpClient.connect({ command: process.execPath, args: [ENDLESS_PAGING_SERVER, "same-cursor"] });
  try {
    expect(mcp.tools.map((tool) => tool.name)).toEqual(["first_page_tool", "second_page_tool"]);
  } finally {
    await mcp.close();
  }
});

test("a CodeAgent in QuickJS calls MCP tools from its code", async () => {
  const mcp = await McpClient.connect(transports.stdio("normal"));
  const agent = new CodeAgent({
    model: new ScriptedModel([
      "<code>\nconst report = get_weather({ city: 'Paris' });\nconst total = add_numbers({ a: 1, b: 2 }).sum;\nfinal_answer(`${report}; total ${total}`);\n</code>",
    ]),
    executor: "quickjs",
    tools: [...mcp.tools],
  });
  try {
    const result = await agent.run("Weather in Paris and 1 + 2.");
    expect(result.output).toBe("Sunny in Paris, 21°C; total 3");
    expect(agent.systemPrompt()).toContain("get_weather");
  } finally {
    await agent.close();
    await mcp.close();
  }
}, 30_000);

test("in an agent run, a server dying mid-call is an error the model's code catches, and the run goes on", async () => {
  const mcp = await McpClient.connect(transports.stdio("dying"));
  const agent = new CodeAgent({
    model: new ScriptedModel(["<code>\ntry { crash(); final_answer('no error'); } catch (error) { final_answer(`caught: ${error.message}`); }\n</code>"]),
    executor: "quickjs",
    tools: [...mcp.tools],
  });
  try {
    const result = await agent.run("Call crash.");
    expect(result.state).toBe("success");
    expect(String(result.output)).toMatch(/^caught: .*stopped answering.*crash/s);
    expect(await waitUntilGone(mcp.pid!, 5_000)).toBe(true);
  } finally {
    await agent.close();
    await mcp.close();
  }
}, 30_000);

test("in an agent run, an MCP tool's image is shown to the model with the next observation", async () => {
  const mcp = await McpClient.connect(transports.http("normal"));
  const model = new ScriptedModel(["<code>\ndraw_pixel();\n</code>", "<code>\nfinal_answer('a red pixel');\n</code>"]);
  const agent = new CodeAgent({ model, executor: "quickjs", tools: [...mcp.tools] });
  try {
    const result = await agent.run("Draw a pixel and look at it.");
    expect(result.output).toBe("a red pixel");
    const seen = model.calls[1]!.messages.flatMap((message) => (typeof message.content === "string" ? [] : message.content));
    const images = seen.filter((part) => part.type === "image");
    // (The agent may show it twice: as the tool's result and as the code's value.)
    expect(images.length).toBeGreaterThanOrEqual(1);
    for (const part of images) {
      expect(part).toMatchObject({ mediaType: "image/png" });
      const bytes = (part as { image: string | Uint8Array }).image;
      expect(typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("base64")).toContain(PIXEL_PNG_BASE64);
    }
  } finally {
    await agent.close();
    await mcp.close();
  }
}, 30_000);
