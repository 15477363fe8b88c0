/**
 * `agent.json`, the file a saved agent is: its schema (versioned), reading it with errors that
 * name the file and the field, and writing it atomically. The file is data only: names, numbers,
 * texts and paths inside its folder. Nothing in it is ever evaluated.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
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
  z.strictObject({ command: z.string().min(1), args: z.array(z.string()).optional(), env: z.record(z.string(), z.string()).optional(), cwd: z.string().optional(), ...mcpCommon }),
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
  executorOptions: z.record(z.string(), z.json()).optional(),
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

/** A path of the file, inside `dir`, for reading (the schema already keeps it inside). */
export function pathInside(dir: string, path: string): string {
  const full = normalize(join(dir, path));
  if (!full.startsWith(normalize(dir) + sep) && full !== normalize(dir)) throw new SavedAgentError(join(dir, AGENT_FILE), `${path} is outside ${dir}.`);
  return full;
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
