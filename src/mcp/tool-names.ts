/**
 * The sandbox names of MCP tools. MCP allows names like `get-weather` or `files.read` that are not
 * identifiers in Python or JavaScript; they become `get_weather` and `files_read`. A name that is
 * a reserved word or a built-in (`print`, `import`) gets `_tool` appended, as codeagent suggests
 * for its own tools.
 */
import { ToolDefinitionError } from "../errors.js";
import { checkToolName } from "../tools/definition-checks.js";
import type { Tool } from "../tools/tool.js";
import { McpToolNameClashError } from "./mcp-errors.js";

/** The identifier an MCP tool called `mcpName` is given in the sandbox, after `prefix`. */
export function sandboxToolName(mcpName: string, prefix = ""): string {
  let name = `${prefix}${mcpName}`.replace(/[^A-Za-z0-9_]/g, "_");
  if (/^[0-9]/.test(name)) name = `tool_${name}`;
  try {
    checkToolName(name);
    return name;
  } catch (error) {
    if (!(error instanceof ToolDefinitionError)) throw error;
    return `${name}_tool`;
  }
}

/**
 * Throws {@link McpToolNameClashError} when two tools share a name; `origin` says where a tool came
 * from (an MCP server's command line or URL, or "your tools").
 */
export function checkUniqueToolNames(groups: readonly { origin: string; tools: readonly Tool[] }[]): void {
  const seen = new Map<string, string>();
  for (const { origin, tools } of groups) {
    for (const tool of tools) {
      const earlier = seen.get(tool.name);
      if (earlier !== undefined) {
        const where = earlier === origin ? `twice by ${origin}` : `by both ${earlier} and ${origin}`;
        throw new McpToolNameClashError(
          tool.name,
          `A tool named "${tool.name}" is offered ${where}. Give one of the MCP servers a toolPrefix ` +
            `(McpClient.connect({ ..., toolPrefix: "github_" })) so every tool has its own name, or leave one of them out.`,
        );
      }
      seen.set(tool.name, origin);
    }
  }
}
