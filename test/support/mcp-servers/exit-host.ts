/**
 * A host program for the exit test: connects to a stdio test server, prints the server's pid, and
 * exits without closing the client. The server (started with --linger) outlives its closed stdin,
 * so only the client's exit hook can end it.
 */
import { McpClient } from "../../../src/mcp/mcp-client.js";
import { TOOLS_SERVER } from "./start-http-server.js";

const mcp = await McpClient.connect({ command: process.execPath, args: [TOOLS_SERVER, "normal", "--linger"] });
process.stdout.write(`server ${mcp.pid}\n`);
process.exit(0);
