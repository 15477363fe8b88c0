import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { visitWebpageTool } from "../tools/builtin/visit-webpage.js";
import type { Tool } from "../tools/tool.js";
import { UsageError } from "./cli-arguments.js";

const BUILT_IN: Record<string, () => Tool> = {
  visit_webpage: () => visitWebpageTool() as unknown as Tool,
};

/**
 * The tools named with `--tools`: built-in names, or paths of JavaScript modules whose exports
 * include tools (made with `tool()`); every exported tool is taken.
 */
export async function loadTools(names: readonly string[], cwd: string): Promise<Tool[]> {
  const tools: Tool[] = [];
  for (const name of names) {
    const builtIn = BUILT_IN[name];
    if (builtIn) tools.push(builtIn());
    else if (/[./\\]/.test(name)) tools.push(...(await toolsFromModule(resolve(cwd, name))));
    else throw new UsageError(`Unknown tool '${name}'. Built-in tools: ${Object.keys(BUILT_IN).join(", ")}; or give the path of a module that exports tools.`);
  }
  return tools;
}

async function toolsFromModule(path: string): Promise<Tool[]> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`Cannot load tools from ${path}: ${(error as Error).message}`);
  }
  const exported = Object.values(module).flatMap((value) => (Array.isArray(value) ? value : [value]));
  const tools = exported.filter(isTool);
  if (tools.length === 0) throw new UsageError(`${path} exports no tools. Export tools made with tool() from "codeagent".`);
  return tools;
}

function isTool(value: unknown): value is Tool {
  const candidate = value as Partial<Tool> | null;
  return typeof candidate === "object" && candidate !== null && typeof candidate.name === "string" && typeof candidate.execute === "function" && typeof candidate.parameters === "object";
}
