/**
 * `agent.save(dir)`: writes an agent's definition as a folder (`agent.json`, its prompt templates
 * as Markdown files, its helper modules, its managed agents as sub-folders) that
 * `CodeAgent.load(dir)` and `codeagent run --agent dir` restore. What a file cannot hold (an
 * executor object, functions) is refused with what to do instead, never silently dropped.
 */
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

import type { ExecutorLanguage } from "../executors/executor.js";
import type { SandboxModule } from "../executors/sandbox-modules.js";
import type { McpServerSpec } from "../mcp/mcp-client.js";
import { AGENT_FILE, AGENT_FILE_VERSION, SavedAgentError, writeAgentFile, writeFileAtomically, type AgentFileInput } from "./agent-file.js";
import type { CodeAgent, CodeAgentOptions } from "./code-agent.js";
import { rememberedModelString } from "./load-agent.js";
import type { PromptTemplates } from "./prompt-templates.js";
import { modelStringOf } from "../models/model-string.js";

/** Options of `agent.save(dir, options)`. */
export interface SaveAgentOptions {
  /**
   * The agent's model as a model string (`"anthropic:claude-sonnet-4-5"`), which the file stores.
   * Needed unless the agent's model was made by `modelFromString` or the agent was itself loaded
   * from a folder: a model object does not say which provider and settings made it. Managed agents
   * with the same model object get the same string.
   */
  model?: string;
  /**
   * MCP servers whose tools the agent uses; `load` starts them again. Their `env` and `headers`
   * are written as given: keep secrets out of them, or out of the folder's repository.
   */
  mcpServers?: readonly McpServerSpec[];
}

/** What `save` reads of a code agent (its own fields, passed by `CodeAgent.save`). */
export interface AgentToSave {
  agent: CodeAgent;
  options: CodeAgentOptions;
  language: ExecutorLanguage;
  modules: readonly SandboxModule[];
}

const TEMPLATE_FILES: Record<keyof PromptTemplates, string> = {
  system: "prompts/system.md",
  planningInitial: "prompts/planning-initial.md",
  planningUpdate: "prompts/planning-update.md",
  finalAnswer: "prompts/final-answer.md",
};

/** Writes `saved` to `dir` (created when missing); `agent.json` is written last, atomically. */
export async function saveAgent(saved: AgentToSave, dir: string, options: SaveAgentOptions = {}): Promise<void> {
  const file = join(dir, AGENT_FILE);
  const refuse = (message: string): never => {
    throw new SavedAgentError(file, `The agent cannot be saved: ${message}`);
  };
  const { agent, options: agentOptions } = saved;
  const model = options.model ?? rememberedModelString(agent) ?? modelStringOf(agent.model);
  if (model === undefined) {
    refuse(`a model object does not say which provider made it. Give its model string: agent.save(dir, { model: "anthropic:claude-sonnet-4-5" }).`);
  }
  if (typeof agentOptions.executor === "object") {
    refuse(`it runs in an executor object you created. Name the sandbox instead (executor: "pyodide", with executorOptions) to save it.`);
  }
  if (agentOptions.finalAnswerChecks?.length) {
    refuse(`finalAnswerChecks are functions, which a file cannot hold. Save the agent without them and pass them to CodeAgent.load(dir, { finalAnswerChecks }).`);
  }
  if (agentOptions.contextBudget !== undefined && Number.isNaN(agentOptions.contextBudget)) refuse("contextBudget is NaN.");
  const contents: AgentFileInput = {
    version: AGENT_FILE_VERSION,
    model: model!,
    ...definedFields(agentOptions, ["name", "description", "instructions", "maxSteps", "planningInterval", "maxObservationChars", "streamOutputs", "authorizedImports"]),
    language: saved.language,
    tools: (agentOptions.tools ?? []).map((tool) => tool.name),
    mcpServers: (options.mcpServers ?? []).map((spec, index) => jsonOnly(spec, `mcpServers[${index}]`, refuse) as NonNullable<AgentFileInput["mcpServers"]>[number]),
  };
  if (agentOptions.contextBudget !== undefined) contents.contextBudget = agentOptions.contextBudget === Number.POSITIVE_INFINITY ? "unlimited" : agentOptions.contextBudget;
  if (agentOptions.codeBlockTags) contents.codeBlockTags = [...agentOptions.codeBlockTags];
  if (agentOptions.generateOptions) contents.generateOptions = jsonOnly(agentOptions.generateOptions, "generateOptions", refuse) as AgentFileInput["generateOptions"];
  if (typeof agentOptions.executor === "string") contents.executor = agentOptions.executor;
  if (agentOptions.executorOptions) {
    // The modules are saved as files of the folder, below; functions and objects are refused.
    const { modules: _modules, ...rest } = agentOptions.executorOptions as Record<string, unknown>;
    if (Object.keys(rest).length > 0) contents.executorOptions = jsonOnly(rest, "executorOptions", refuse) as Record<string, never>;
  }
  await mkdir(dir, { recursive: true });
  if (saved.modules.length > 0) contents.modules = await writeModules(dir, saved.modules);
  if (agentOptions.promptTemplates) contents.promptTemplates = await writeTemplates(dir, agentOptions.promptTemplates);
  contents.managedAgents = await saveManagedAgents(saved, dir, model!, refuse);
  try {
    await writeAgentFile(dir, contents);
  } catch (error) {
    if (error instanceof Error && error.name === "ZodError") refuse(`a setting is not what agent.json can hold: ${error.message}`);
    throw error;
  }
}

function definedFields<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}

/**
 * `value` as plain JSON (fields set to undefined left out, URLs as text); refuses functions,
 * class instances and numbers JSON cannot hold, naming where they are.
 */
function jsonOnly(value: unknown, where: string, refuse: (message: string) => never): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : refuse(`${where} is ${value}, which JSON cannot hold.`);
  if (value instanceof URL) return value.href;
  if (Array.isArray(value)) return value.map((item, index) => jsonOnly(item, `${where}[${index}]`, refuse));
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    return Object.fromEntries(entries.map(([key, item]) => [key, jsonOnly(item, `${where}.${key}`, refuse)]));
  }
  const kind = typeof value === "object" ? (value as object).constructor?.name ?? "object" : typeof value;
  return refuse(`${where} is a ${kind}, which a file cannot hold: give plain values (text, numbers, lists, objects), or set it when you load the agent.`);
}

/** Each module's files under `modules/`; returns name → its file or folder there. */
async function writeModules(dir: string, modules: readonly SandboxModule[]): Promise<Record<string, string>> {
  const written: Record<string, string> = {};
  for (const module of modules) {
    const isFile = module.files.length === 1 && !module.files[0]!.path.includes("/");
    const target = isFile ? `modules/${module.files[0]!.path}` : `modules/${module.name}`;
    // A package saved before may hold files this one no longer has.
    await rm(join(dir, target), { recursive: true, force: true });
    for (const file of module.files) {
      const path = join(dir, "modules", file.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomically(path, file.source);
    }
    written[module.name] = target;
  }
  return written;
}

/** The templates given (those replaced), each as a Markdown file under `prompts/`. */
async function writeTemplates(dir: string, templates: Partial<PromptTemplates>): Promise<Partial<Record<keyof PromptTemplates, string>>> {
  const written: Partial<Record<keyof PromptTemplates, string>> = {};
  await mkdir(join(dir, "prompts"), { recursive: true });
  for (const key of Object.keys(TEMPLATE_FILES) as (keyof PromptTemplates)[]) {
    const text = templates[key];
    if (text === undefined) continue;
    await writeFileAtomically(join(dir, TEMPLATE_FILES[key]), text);
    written[key] = TEMPLATE_FILES[key];
  }
  return written;
}

/** Each managed agent saved in `agents/<name>/`; returns those folders. */
async function saveManagedAgents(saved: AgentToSave, dir: string, model: string, refuse: (message: string) => never): Promise<string[]> {
  const folders: string[] = [];
  for (const managed of saved.agent.managedAgents) {
    const save = (managed as Partial<CodeAgent>).save;
    if (typeof save !== "function") refuse(`the managed agent '${managed.name}' is not a CodeAgent; only code agents can be saved.`);
    const folder = `agents/${managed.name}`;
    const sameModel = managed.model === saved.agent.model;
    await save!.call(managed, join(dir, folder), sameModel ? { model } : {});
    folders.push(folder);
  }
  return folders;
}
