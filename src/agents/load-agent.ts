/**
 * `CodeAgent.load(dir)`: an agent made again from a saved folder. Tools are found by name, among
 * the tools passed in, the built-in ones and those of the MCP servers the file names; prompt
 * templates and modules are read as text. Nothing of the folder is evaluated on the host; the
 * programs the file names (stdio MCP servers, a host interpreter) start only with
 * `allowHostCommands`.
 */
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";

import { AgentConfigurationError } from "../errors.js";
import { connectMcpServers, type McpClient, type McpServerSpec } from "../mcp/mcp-client.js";
import type { Model } from "../models/model.js";
import { modelFromString, type ModelFromStringOptions } from "../models/model-string.js";
import { builtInTool, builtInToolNames } from "../tools/builtin/built-in-tools.js";
import type { Tool } from "../tools/tool.js";
import { AGENT_FILE, hostCommands, pathInside, readAgentFile, SavedAgentError, type AgentFile } from "./agent-file.js";
import { CodeAgent, type CodeAgentOptions } from "./code-agent.js";
import type { PromptTemplates } from "./prompt-templates.js";

/** Options of `CodeAgent.load(dir, options)`. */
export interface LoadAgentOptions extends Pick<CodeAgentOptions, "finalAnswerChecks" | "stepCallbacks" | "onApproval"> {
  /**
   * Tools the file names that are neither built in nor from its MCP servers (your own, made with
   * `tool()`), and any more the agent should have. A tool passed in wins over a built-in one of
   * the same name. Managed agents get them too, by the names their files list.
   */
  tools?: readonly Tool[];
  /** A model instead of the file's (a model string or object); managed agents that shared the saved model share it. */
  model?: Model | string;
  /** How the file's model string is made into a model (`env`, `baseURL`, `timeoutMs`, ...). */
  modelOptions?: ModelFromStringOptions;
  /** More MCP servers for this agent, beside the file's. */
  mcpServers?: readonly McpServerSpec[];
  /**
   * Let the file start programs of this machine: its stdio MCP servers' commands and the
   * interpreter of a host executor (`local-python`, its `python` option). Without it, a file (or a
   * managed agent's file) that names any is refused with a `SavedAgentError` listing them.
   * HTTP MCP servers and sandboxes need no permission.
   */
  allowHostCommands?: boolean;
  /**
   * The environment stdio MCP servers of the file start with, under the file's own `env`.
   * Default: the few safe variables every stdio server gets (see `McpStdioServerSpec.env`).
   */
  mcpEnv?: Record<string, string | undefined>;
  /** Settings instead of the file's, for this agent (not its managed agents): what a command line's flags change. */
  overrides?: Partial<Omit<CodeAgentOptions, "model" | "tools" | "managedAgents" | "executor" | "language" | "modules">>;
}

/** The model string each loaded agent was made from, so it can be saved again without repeating it. */
const modelStrings = new WeakMap<object, string>();

/** The model string `agent` was loaded with, when it was loaded from a folder with one. */
export function rememberedModelString(agent: object): string | undefined {
  return modelStrings.get(agent);
}

/** A loaded agent owns the MCP connections and managed agents it was given: closing it closes them. */
class LoadedCodeAgent extends CodeAgent {
  constructor(
    options: CodeAgentOptions,
    private readonly owned: { close(): Promise<void> }[],
  ) {
    super(options);
  }

  override async close(): Promise<void> {
    await super.close();
    await Promise.all(this.owned.map((resource) => resource.close().catch(() => undefined)));
  }
}

/** Reads the agent saved in `dir` and makes it. Throws `SavedAgentError` naming the file and what to fix. */
export async function loadAgent(dir: string, options: LoadAgentOptions = {}): Promise<CodeAgent> {
  return await loadFrom(dir, options, undefined, []);
}

/** How deep managed agents may nest in saved folders. */
export const MAX_MANAGED_DEPTH = 8;

/** The folders being loaded, outermost first, by their real paths: a folder among them again is a cycle. */
type LoadingFolders = readonly string[];

async function loadFrom(dir: string, options: LoadAgentOptions, manager: { file: AgentFile; model: Model } | undefined, loading: LoadingFolders): Promise<CodeAgent> {
  const where = join(dir, AGENT_FILE);
  const folder = realFolder(dir);
  if (loading.includes(folder)) {
    throw new SavedAgentError(where, `${where} is a managed agent of itself (${[...loading, folder].join(" → ")}): each managedAgents entry must name a different sub-folder.`);
  }
  if (loading.length >= MAX_MANAGED_DEPTH) {
    throw new SavedAgentError(where, `${where} is a managed agent ${loading.length} levels deep; saved agents may nest at most ${MAX_MANAGED_DEPTH} levels.`);
  }
  const file = readAgentFile(dir);
  refuseHostCommands(file, where, options.allowHostCommands === true);
  const given = manager ? (file.model === manager.file.model ? manager.model : undefined) : options.model;
  const model = given === undefined || typeof given === "string" ? modelFromString(given ?? file.model, options.modelOptions) : given;
  const promptTemplates = readTemplates(dir, file);
  const modules = file.modules && Object.fromEntries(Object.entries(file.modules).map(([name, path]) => [name, pathInside(dir, path)]));
  const specs = [...file.mcpServers.map((spec) => serverSpec(spec, dir, options.mcpEnv)), ...(manager ? [] : (options.mcpServers ?? []))];
  const owned: { close(): Promise<void> }[] = [];
  try {
    const clients = specs.length > 0 ? await connectMcpServers(specs) : [];
    owned.push(...clients);
    const managedAgents: CodeAgent[] = [];
    for (const managedFolder of file.managedAgents) {
      const managed = await loadFrom(pathInside(dir, managedFolder), options, { file, model }, [...loading, folder]);
      owned.push(managed);
      managedAgents.push(managed);
    }
    const agentOptions: CodeAgentOptions = {
      ...savedSettings(file),
      model,
      tools: resolveTools(file.tools, manager ? [] : (options.tools ?? []), options.tools ?? [], clients, where),
      ...(modules ? { modules } : {}),
      ...(promptTemplates ? { promptTemplates } : {}),
      ...(managedAgents.length > 0 ? { managedAgents } : {}),
      ...(options.finalAnswerChecks ? { finalAnswerChecks: options.finalAnswerChecks } : {}),
      ...(options.stepCallbacks ? { stepCallbacks: options.stepCallbacks } : {}),
      ...(options.onApproval ? { onApproval: options.onApproval } : {}),
      ...(manager ? {} : options.overrides),
    };
    const agent = constructIn(where, () => new LoadedCodeAgent(agentOptions, owned));
    const modelString = typeof given === "string" ? given : given === undefined ? file.model : undefined;
    if (modelString !== undefined) modelStrings.set(agent, modelString);
    return agent;
  } catch (error) {
    await Promise.all(owned.map((resource) => resource.close().catch(() => undefined)));
    throw error;
  }
}

/** The folder's real path (links followed), or the path as given when it cannot be resolved (reading the file then says why). */
function realFolder(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/** Refuses a file that would start programs of this machine, unless the loader allowed them; the error lists them. */
function refuseHostCommands(file: AgentFile, where: string, allowed: boolean): void {
  if (allowed) return;
  const commands = hostCommands(file);
  if (commands.length === 0) return;
  throw new SavedAgentError(
    where,
    `${where} would start ${commands.length > 1 ? "these programs" : "this program"} on this machine:\n${commands.map((command) => `  ${command}`).join("\n")}\n` +
      `Read them, and if you trust them, allow them: CodeAgent.load(dir, { allowHostCommands: true }) (codeagent: --allow-host-commands).`,
  );
}

/** Makes the agent; a setting the agent refuses (a sandbox that runs another language) is an error naming the file. */
function constructIn(where: string, construct: () => CodeAgent): CodeAgent {
  try {
    return construct();
  } catch (error) {
    if (!(error instanceof AgentConfigurationError) || error instanceof SavedAgentError) throw error;
    throw new SavedAgentError(where, `${where}: ${error.message}`, { cause: error });
  }
}

/** The file's settings as agent options (only those it sets). */
function savedSettings(file: AgentFile): Omit<CodeAgentOptions, "model"> {
  const { model: _model, version: _version, tools: _tools, mcpServers: _servers, modules: _modules, promptTemplates: _templates, managedAgents: _managed, contextBudget, ...settings } = file;
  const options = settings as Omit<CodeAgentOptions, "model">;
  if (contextBudget !== undefined) options.contextBudget = contextBudget === "unlimited" ? Number.POSITIVE_INFINITY : contextBudget;
  return options;
}

/** The templates the file replaces, read from their Markdown files (text only: `{{name}}` is all that is ever filled in). */
function readTemplates(dir: string, file: AgentFile): Partial<PromptTemplates> | undefined {
  if (file.promptTemplates === undefined) return undefined;
  const templates: Partial<PromptTemplates> = {};
  for (const [key, path] of Object.entries(file.promptTemplates) as [keyof PromptTemplates, string | undefined][]) {
    if (path === undefined) continue;
    try {
      templates[key] = readFileSync(pathInside(dir, path), "utf8");
    } catch (error) {
      throw new SavedAgentError(join(dir, AGENT_FILE), `${join(dir, AGENT_FILE)}: promptTemplates.${key} names ${path}, which cannot be read (${(error as Error).message}).`, { cause: error });
    }
  }
  return templates;
}

/** A server of the file: a stdio server's relative `cwd` is from the agent's folder, and it starts with `env` under its own. */
function serverSpec(spec: AgentFile["mcpServers"][number], dir: string, env: Record<string, string | undefined> | undefined): McpServerSpec {
  if (!("command" in spec)) return spec;
  return {
    ...spec,
    ...(spec.cwd === undefined ? {} : { cwd: pathInside(dir, spec.cwd) }),
    ...(env === undefined && spec.env === undefined ? {} : { env: { ...env, ...spec.env } }),
  };
}

/**
 * The file's tools by name (passed in first, then built in, then from the MCP servers), then the
 * other tools passed in and the MCP servers' other tools. A name found nowhere is an error that
 * lists what is known.
 */
function resolveTools(names: readonly string[], extra: readonly Tool[], passed: readonly Tool[], clients: readonly McpClient[], where: string): Tool[] {
  const fromMcp = clients.flatMap((client) => client.tools);
  const find = (name: string) => passed.find((tool) => tool.name === name) ?? builtInTool(name) ?? fromMcp.find((tool) => tool.name === name);
  const missing = names.filter((name) => find(name) === undefined);
  if (missing.length > 0) {
    const list = (tools: readonly Tool[]) => (tools.length > 0 ? tools.map((tool) => tool.name).join(", ") : "none");
    throw new SavedAgentError(
      where,
      `${where} names tool${missing.length > 1 ? "s" : ""} ${missing.map((name) => `'${name}'`).join(", ")}, which ${missing.length > 1 ? "are" : "is"} neither built in nor from its MCP servers. ` +
        `Pass ${missing.length > 1 ? "them" : "it"}: CodeAgent.load(dir, { tools: [...] }) (codeagent: --tools <module that exports it>).\n` +
        `Built in: ${builtInToolNames().join(", ")}. Passed in: ${list(passed)}. From MCP servers: ${list(fromMcp)}.`,
    );
  }
  const named = names.map((name) => find(name)!);
  const others = [...extra, ...fromMcp].filter((tool) => !names.includes(tool.name));
  return [...named, ...others];
}
