/**
 * Runs something with the tools of several MCP servers, and closes the servers however it ends
 * (success, failure, or an abort): the shape every front end (the CLI, the MCP server) needs.
 */
import type { Tool } from "../tools/tool.js";
import { connectMcpServers, type McpServerSpec } from "./mcp-client.js";
import { checkUniqueToolNames } from "./tool-names.js";

/**
 * Connects to `specs`, checks that their tools' names clash neither with each other nor with
 * `otherTools`, calls `use` with every tool (`otherTools` first), and closes the servers after.
 * When `signal` is aborted while connecting, the servers are closed and its reason is thrown.
 */
export async function withMcpServers<T>(
  specs: readonly McpServerSpec[],
  otherTools: { origin: string; tools: readonly Tool[] },
  use: (tools: Tool[]) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  if (specs.length === 0) return await use([...otherTools.tools]);
  const clients = await connectMcpServers(specs);
  try {
    signal?.throwIfAborted();
    checkUniqueToolNames([otherTools, ...clients.map((client) => ({ origin: client.server, tools: client.tools }))]);
    return await use([...otherTools.tools, ...clients.flatMap((client) => client.tools)]);
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  }
}
