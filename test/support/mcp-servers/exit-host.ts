/**
 * A host program for the exit tests: connects to a stdio test server and exits without closing the
 * client, either once connected (it prints the server's pid) or, with `--during-connect <pid file>`,
 * while a server that never answers is still being connected to. Only the client's exit hook can
 * end the server: it outlives its closed stdin (--linger, or a timer that keeps it running).
 */
import { McpClient } from "../../../src/mcp/mcp-client.js";
import { TOOLS_SERVER } from "./start-http-server.js";

const [mode, pidFile] = process.argv.slice(2);
if (mode === "--during-connect") {
  const silent = "require('node:fs').writeFileSync(process.env.MCP_PID_FILE, String(process.pid)); setInterval(() => {}, 1000)";
  void McpClient.connect({ command: process.execPath, args: ["-e", silent], env: { MCP_PID_FILE: pidFile! }, connectTimeoutMs: 60_000 });
  setTimeout(() => process.exit(130), 1_500);
} else {
  const mcp = await McpClient.connect({ command: process.execPath, args: [TOOLS_SERVER, "normal", "--linger"] });
  process.stdout.write(`server ${mcp.pid}\n`);
  process.exit(0);
}
