/**
 * A stdio MCP server, written with the official SDK, whose tool list never ends: every
 * `tools/list` answer offers a next page. `node endless-paging-server.mjs <kind>`; kinds:
 * - fresh-empty: pages without tools, each with a cursor never given before;
 * - fresh-tools: one tool a page (page_tool_1, page_tool_2, ...), each with a new cursor;
 * - same-cursor: first_page_tool, then second_page_tool on every later page, always with the
 *   same cursor (a server that gives its last page its own cursor again).
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const [kind = "fresh-empty"] = process.argv.slice(2);
if (!["fresh-empty", "fresh-tools", "same-cursor"].includes(kind)) throw new Error(`unknown server kind ${kind}`);

const tool = (name) => ({ name, description: `A tool on one page of an endless list.`, inputSchema: { type: "object", properties: {} } });

let pagesServed = 0;
const server = new Server({ name: `endless-paging-${kind}`, version: "1.0.0" }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => {
  pagesServed += 1;
  if (kind === "same-cursor") return { tools: [tool(pagesServed === 1 ? "first_page_tool" : "second_page_tool")], nextCursor: "again" };
  const tools = kind === "fresh-tools" ? [tool(`page_tool_${pagesServed}`)] : [];
  return { tools, nextCursor: `page-${pagesServed + 1}` };
});
await server.connect(new StdioServerTransport());
