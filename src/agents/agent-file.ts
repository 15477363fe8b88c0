/**
 * `agent.json`, the file a saved agent is: its schema (versioned), reading it with errors that
 * name the file and the field, and writing it atomically. The file is data only: names, numbers,
 * texts and paths inside its folder. Nothing in it is ever evaluated; the programs it names (stdio MCP
 * servers, a host interpreter) start only when the loader allows them ({@link hostCommands}).
 */
import { randomUUID } from "node:crypto";
import { readFileSync, realpathSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join, normalize, sep } from "node:path";

import { z } from "zod";

import { AgentConfigurationError } from "../errors.js";

/** The name of the file in a saved agent's folder. */
export const AGENT_FILE = "agent.json";

/** The version of the format this codeagent writes and reads. */
export const AGENT_FILE_VERSION = 1;

/** A saved agent's file could not be read, or says something codeagent cannot restore. */
export class SavedAgentError extends AgentConfigurationError {
  override readonly name = "SavedAgentError";
  constructor(
    /** The file (or folder) at fault. */
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A path inside the agent's folder, written with forward slashes. */
const relativePath = z
  .string()
  .min(1)
  .refine((path) => !isAbsolute(path) && !path.split(/[\\/]/).includes(".."), "must be a path inside the agent's folder (no absolute path, no ..)");

const mcpCommon = {
  toolPrefix: z.string().optional(),
  timeoutMs: z.number().int().positive().optional(),
  connectTimeoutMs: z.number().int().positive().optional(),
};

const mcpServer = z.union([
  z.strictObject({ command: z.string().min(1), args: z.array(z.string()).optional(), env: z.record(z.string(), z.string()).optional(), cwd: relativePath.optional(), ...mcpCommon }),
  z.strictObject({ url: z.url(), headers: z.record(z.string(), z.string()).optional(), ...mcpCommon }),
]);

const promptTemplateFiles = z.strictObject({
  system: relativePath.optional(),
  planningInitial: relativePath.optional(),
  planningUpdate: relativePath.optional(),
  finalAnswer: relativePath.optional(),
});

/** The schema of `agent.json`. */
export const agentFileSchema = z.strictObject({
  version: z.literal(AGENT_FILE_VERSION, { error: `must be ${AGENT_FILE_VERSION}, the format this codeagent reads` }),
  /** `provider:model-id`, as `modelFromString` reads it. */
  model: z.string().min(1),
  name: z.string().optional(),
  description: z.string().optional(),
  instructions: z.string().optional(),
  maxSteps: z.number().int().min(1).optional(),
  planningInterval: z.number().int().min(1).optional(),
  /** A number of tokens, or "unlimited" (never condense). */
  contextBudget: z.union([z.number().positive(), z.literal("unlimited")]).optional(),
  maxObservationChars: z.number().int().positive().optional(),
  streamOutputs: z.boolean().optional(),
  generateOptions: z
    .strictObject({
      temperature: z.number().optional(),
      maxTokens: z.number().int().positive().optional(),
      toolChoice: z.enum(["auto", "required", "none"]).optional(),
      responseFormat: z.json().optional(),
    })
    .optional(),
  language: z.enum(["python", "javascript"]),
  /** A sandbox by its registered name. */
  executor: z.string().min(1).optional(),
  executorOptions: z
    .record(z.string(), z.json())
    .refine((options) => !("modules" in options), "must not hold modules: name them in modules, as files inside the agent's folder")
    .optional(),
  authorizedImports: z.array(z.string()).optional(),
  codeBlockTags: z.tuple([z.string().min(1), z.string().min(1)]).optional(),
  /** Module name → a file or package folder inside the agent's folder. */
  modules: z.record(z.string(), relativePath).optional(),
  /** Tools by name: passed to `load`, built in, or from one of `mcpServers`. */
  tools: z.array(z.string().min(1)).default([]),
  mcpServers: z.array(mcpServer).default([]),
  /** Template name → a Markdown file inside the agent's folder. */
  promptTemplates: promptTemplateFiles.optional(),
  /** Sub-folders inside the agent's folder, each a saved agent this one manages. */
  managedAgents: z.array(relativePath).default([]),
});

/** What `agent.json` holds, once read. */
export type AgentFile = z.output<typeof agentFileSchema>;

/** What `agent.json` may hold when written (lists may be left out). */
export type AgentFileInput = z.input<typeof agentFileSchema>;

/**
 * Reads and checks `dir/agent.json`. Throws {@link SavedAgentError} naming the file and, for a
 * value that is wrong, the field.
 */
export function readAgentFile(dir: string): AgentFile {
  const file = join(dir, AGENT_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : `cannot be read (${(error as Error).message})`;
    throw new SavedAgentError(file, `${file} ${reason}: give the folder an agent was saved to with agent.save(dir).`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SavedAgentError(file, `${file} is not valid JSON: ${(error as Error).message}.`, { cause: error });
  }
  const parsed = agentFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.length > 0 ? issue.path.join(".") : "(the file)"}: ${issue.message}`);
    throw new SavedAgentError(file, `${file} is not a saved agent codeagent can read:\n${problems.join("\n")}`);
  }
  return parsed.data;
}

/**
 * A path of the file, inside `dir`, for reading. The schema keeps the text inside; this also
 * follows symbolic links, so a link to a file elsewhere on the machine is refused. A path that does
 * not exist is returned as is (reading it then fails with its own error).
 */
export function pathInside(dir: string, path: string): string {
  const full = normalize(join(dir, path));
  const outside = () => new SavedAgentError(join(dir, AGENT_FILE), `${join(dir, AGENT_FILE)}: ${path} is outside ${dir}; keep the files a saved agent uses inside its folder (no links out of it).`);
  if (!isWithin(normalize(dir), full)) throw outside();
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    return full;
  }
  if (!isWithin(realpathSync(dir), real)) throw outside();
  return full;
}

function isWithin(folder: string, path: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/** Executors that start a program of this machine, and the option that names it (with its default). */
const HOST_PROGRAM_EXECUTORS: Record<string, { option: string; program: string }> = {
  "local-python": { option: "python", program: "python3" },
};

/**
 * The programs of this machine loading the file would start: its stdio MCP servers' command lines
 * (with their `cwd` and `env`), and the interpreter of an executor that runs on the host (with the
 * `env` it is given). HTTP MCP servers and sandboxes are not listed: they start nothing here.
 */
export function hostCommands(file: AgentFile): string[] {
  const commands: string[] = [];
  for (const server of file.mcpServers) {
    if (!("command" in server)) continue;
    commands.push(`${described(server.command, server.args ?? [], server.env)}${server.cwd === undefined ? "" : ` (in ${server.cwd})`} (MCP server)`);
  }
  const hostExecutor = file.executor === undefined ? undefined : HOST_PROGRAM_EXECUTORS[file.executor];
  if (hostExecutor) {
    const named = file.executorOptions?.[hostExecutor.option];
    const env = file.executorOptions?.env;
    const program = typeof named === "string" ? named : hostExecutor.program;
    commands.push(`${described(program, [], env !== null && typeof env === "object" && !Array.isArray(env) ? (env as Record<string, string>) : undefined)} (the ${file.executor} executor: the model's code runs in it on this machine)`);
  }
  return commands;
}

function described(command: string, args: readonly string[], env: Record<string, string> | undefined): string {
  const variables = Object.entries(env ?? {}).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  return [...variables, command, ...args.map((arg) => JSON.stringify(arg))].join(" ");
}

/** Writes `text` to `path` through a temporary file and a rename, so a reader never sees half a file. */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, text, "utf8");
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Writes `dir/agent.json` atomically, checked against the schema first. */
export async function writeAgentFile(dir: string, contents: AgentFileInput): Promise<void> {
  const checked = agentFileSchema.parse(contents);
  await writeFileAtomically(join(dir, AGENT_FILE), `${JSON.stringify(checked, null, 2)}\n`);
}
