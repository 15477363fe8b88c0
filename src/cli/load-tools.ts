import * as nodeModule from "node:module";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { builtInTool, builtInToolNames } from "../tools/builtin/built-in-tools.js";
import type { Tool } from "../tools/tool.js";
import { UsageError } from "./cli-arguments.js";

const TYPESCRIPT = new Set([".ts", ".mts", ".cts"]);

/**
 * The tools named with `--tools`: built-in names, or paths of JavaScript modules whose exports
 * include tools (made with `tool()`); every exported tool is taken. Such a module may import
 * "codeagent" and "zod" wherever it lives: when its own folder has neither, the CLI's are used.
 */
export async function loadTools(names: readonly string[], cwd: string): Promise<Tool[]> {
  const tools: Tool[] = [];
  for (const name of names) {
    const builtIn = builtInTool(name);
    if (builtIn) tools.push(builtIn);
    else if (/[./\\]/.test(name)) tools.push(...(await toolsFromModule(resolve(cwd, name))));
    else throw new UsageError(`Unknown tool '${name}'. Built-in tools: ${builtInToolNames().join(", ")}; or give the path of a module that exports tools.`);
  }
  return tools;
}

async function toolsFromModule(path: string): Promise<Tool[]> {
  letToolModulesFindCodeagent();
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`Cannot load tools from ${path}: ${(error as Error).message}${loadHint(path, error)}`);
  }
  const exported = Object.values(module).flatMap((value) => (Array.isArray(value) ? value : [value]));
  const tools = exported.filter(isTool);
  if (tools.length === 0) throw new UsageError(`${path} exports no tools. Export tools made with tool() from "codeagent".`);
  return tools;
}

let hooksRegistered = false;

/** Registers the resolution fallback of `tool-module-hooks.mjs` once, where Node can (20.6 and later). */
function letToolModulesFindCodeagent(): void {
  if (hooksRegistered || typeof nodeModule.register !== "function") return;
  hooksRegistered = true;
  nodeModule.register(new URL("./tool-module-hooks.mjs", import.meta.url), { data: { parentURL: import.meta.url } });
}

/** What to do about a module that would not load, when we can tell. */
function loadHint(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ERR_UNKNOWN_FILE_EXTENSION" && TYPESCRIPT.has(extname(path))) {
    return (
      `\nNode ${process.version} cannot load TypeScript by itself (Node 22.18 and later can). Compile the module to JavaScript ` +
      `(e.g. npx tsc ${path} --module nodenext --target es2022) and pass the .js file, or run codeagent with a TypeScript loader: ` +
      `NODE_OPTIONS="--import tsx" codeagent ... (with tsx installed).`
    );
  }
  if (code === "ERR_MODULE_NOT_FOUND" && /'(codeagent|zod)'/.test((error as Error).message)) {
    // Only where `module.register` is missing (Node before 20.6) does the CLI not lend its own copies.
    return "\nInstall them next to the module (npm install codeagent zod), or use Node 20.6 or later.";
  }
  if (code === "ERR_MODULE_NOT_FOUND") return "\nInstall what it imports next to the module (npm install <package> in its folder or a folder above it).";
  return "";
}

function isTool(value: unknown): value is Tool {
  const candidate = value as Partial<Tool> | null;
  return typeof candidate === "object" && candidate !== null && typeof candidate.name === "string" && typeof candidate.execute === "function" && typeof candidate.parameters === "object";
}
