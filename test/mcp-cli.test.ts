/**
 * `codeagent "<task>" --mcp ...`: the agent gets the tools of every server named (stdio command
 * lines and streamable HTTP URLs, repeatable), and the servers are closed when the run ends, on
 * success, on failure and on Ctrl-C. Bad --mcp values are usage errors. `codeagent mcp-server
 * --port` takes its token from --token, else CODEAGENT_MCP_TOKEN.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { runCli } from "../src/cli/run-cli.js";
import { capture, runCaptured } from "./fixtures/cli/run-cli-captured.js";
import { modelServerForThisFile } from "./fixtures/cli/model-server.js";
import { startHttpTestServer, TOOLS_SERVER, type HttpTestServer } from "./support/mcp-servers/start-http-server.js";
import { waitUntilGone } from "./support/processes.js";

const modelServer = modelServerForThisFile();
let http: HttpTestServer;
let folder: string;
beforeAll(async () => {
  http = await startHttpTestServer("failing");
  folder = mkdtempSync(join(tmpdir(), "codeagent-mcp-cli-"));
}, 20_000);
afterAll(async () => {
  await http.stop();
  rmSync(folder, { recursive: true, force: true });
});

const stdioServer = (kind: string) => `"${process.execPath}" "${TOOLS_SERVER}" ${kind}`;

function serverPid(file: string): number {
  return Number(readFileSync(file, "utf8"));
}

describe("--mcp", () => {
  test("the agent calls tools of a stdio server and an HTTP server; the stdio server is gone after the run", async () => {
    const pidFile = join(folder, "normal.pid");
    modelServer().enqueue({
      kind: "reply",
      text:
        "<code>\nlet quota;\ntry { quota_check(); } catch (error) { quota = String(error.message); }\n" +
        "final_answer(`${get_weather({ city: 'Paris' })} / ${add_numbers({ a: 20, b: 22 }).sum} / ${quota}`);\n</code>",
    });
    const output = await runCaptured(
      ["Weather?", "--base-url", modelServer().baseURL, "--executor", "quickjs", "--mcp", stdioServer("normal"), "--mcp", http.url],
      { MCP_PID_FILE: pidFile },
    );
    expect(output.stderr).toBe("");
    expect(output.code).toBe(0);
    expect(output.stdout).toContain("Sunny in Paris, 21°C / 42 / quota_check() failed: Quota exceeded for today; try again tomorrow.");
    // The model was shown the servers' tools.
    const prompt = JSON.stringify(modelServer().requests.at(-1)!.body);
    expect(prompt).toContain("get_weather");
    expect(prompt).toContain("quota_check");
    expect(await waitUntilGone(serverPid(pidFile), 5_000)).toBe(true);
  }, 60_000);

  test("a failed run still closes the servers", async () => {
    const pidFile = join(folder, "failed.pid");
    modelServer().enqueue({ kind: "error", status: 400, message: "bad request" });
    const output = await runCaptured(
      ["Weather?", "--base-url", modelServer().baseURL, "--max-retries", "0", "--executor", "quickjs", "--mcp", stdioServer("normal")],
      { MCP_PID_FILE: pidFile },
    );
    expect(output.code).toBe(1);
    expect(await waitUntilGone(serverPid(pidFile), 5_000)).toBe(true);
  }, 60_000);

  test("Ctrl-C during the run closes the servers and exits 130", async () => {
    const pidFile = join(folder, "interrupted.pid");
    modelServer().enqueue({ kind: "reply", text: "<code>\nfinal_answer('late')\n</code>", delayMs: 5_000 });
    const controller = new AbortController();
    const requestsBefore = modelServer().requests.length;
    const run = capture({ MCP_PID_FILE: pidFile }, { signal: controller.signal });
    const exit = runCli(["Weather?", "--base-url", modelServer().baseURL, "--executor", "quickjs", "--mcp", stdioServer("normal")], run.io);
    const deadline = Date.now() + 10_000;
    while (modelServer().requests.length === requestsBefore && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    expect(await exit).toBe(130);
    expect(await waitUntilGone(serverPid(pidFile), 5_000)).toBe(true);
  }, 60_000);

  test("a server that cannot start fails the run with a message saying what to do", async () => {
    const output = await runCaptured(["Weather?", "--base-url", modelServer().baseURL, "--mcp", "no-such-mcp-command --flag"]);
    expect(output.code).toBe(1);
    expect(output.stderr).toMatch(/no-such-mcp-command.*was not found. Install it or give its full path/s);
  });

  test("tools with the same name from two servers are a usage error", async () => {
    const output = await runCaptured(["Weather?", "--base-url", modelServer().baseURL, "--mcp", stdioServer("normal"), "--mcp", stdioServer("normal")]);
    expect(output.code).toBe(2);
    expect(output.stderr).toMatch(/A tool named "\w+" is offered twice|by both/);
  }, 30_000);

  test.each([
    [["exec", "1", "--mcp", "npx server"], /--mcp does not apply to exec/],
    [["Task", "--mcp", "   "], /--mcp needs a command line in quotes/],
    [["Task", "--mcp", `node "server.mjs`], /double quote is not closed/],
  ])("refuses %j with exit 2", async (argv, message) => {
    const output = await runCaptured(argv);
    expect(output.code).toBe(2);
    expect(output.stderr).toMatch(message);
  });
});

describe("mcp-server --port", () => {
  test("serves clients that send the --token (over CODEAGENT_MCP_TOKEN) and does not print it", async () => {
    const controller = new AbortController();
    const run = capture({ CODEAGENT_MCP_TOKEN: "from-the-environment" }, { signal: controller.signal });
    const exit = runCli(["mcp-server", "--port", "0", "--executor", "quickjs", "--token", "from-the-flag"], run.io);
    try {
      const deadline = Date.now() + 30_000;
      let url: string | undefined;
      while (url === undefined && Date.now() < deadline) {
        url = /at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(run.stderr())?.[1];
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(run.stderr()).toContain('(send the header "Authorization: Bearer <the token given with --token>")');
      expect(run.stderr()).not.toContain("from-the-flag");
      const connect = async (token: string) => {
        const client = new Client({ name: "test", version: "1" });
        await client.connect(new StreamableHTTPClientTransport(new URL(url!), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
        return client;
      };
      await expect(connect("from-the-environment")).rejects.toMatchObject({ code: 401 });
      const client = await connect("from-the-flag");
      expect((await client.listTools()).tools.map((offered) => offered.name)).toContain("run_code");
      await client.close();
    } finally {
      controller.abort();
    }
    expect(await exit).toBe(130);
  }, 60_000);

  test.each([
    [["mcp-server", "--token", "secret"], /--token is for the HTTP server: give --port too/],
    [["mcp-server", "--port", "0", "--token", ""], /--token needs a secret without spaces/],
    [["Task", "--token", "secret"], /--token does not apply to a task/],
  ])("refuses %j with exit 2", async (argv, message) => {
    const output = await runCaptured(argv);
    expect(output.code).toBe(2);
    expect(output.stderr).toMatch(message);
  });
});
