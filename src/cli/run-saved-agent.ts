/**
 * `codeagent run --agent <dir> "<task>"`: the agent saved in `dir` runs the task. The flags given
 * change its settings (model, steps, instructions, temperature, time limit) and add tools and MCP
 * servers; its sandbox is the file's.
 */
import { resolve } from "node:path";

import { readAgentFile, type AgentFile } from "../agents/agent-file.js";
import type { CodeAgentOptions } from "../agents/code-agent.js";
import { loadAgent, type LoadAgentOptions } from "../agents/load-agent.js";
import { terminalApproval } from "./approval-prompt.js";
import type { CliCommand, SavedAgentSettings } from "./cli-arguments.js";
import type { CliIO } from "./cli-io.js";
import { downloadProgressWriter } from "./download-progress.js";
import { loadTools } from "./load-tools.js";
import { modelFromSpec } from "./model-from-spec.js";
import { runAgent, sandboxExecutorOptions } from "./run-agent.js";

type SavedAgentTask = Extract<CliCommand, { kind: "task" }> & { savedAgent: SavedAgentSettings };

/** Loads the saved agent, runs the task with it, and closes it (and its MCP servers); resolves to the exit code. */
export async function runSavedAgent(command: SavedAgentTask, io: CliIO): Promise<number> {
  const dir = resolve(io.cwd, command.savedAgent.dir);
  const file = readAgentFile(dir);
  const modelSettings = command.savedAgent.modelGiven ? command.model : { ...command.model, spec: file.model };
  const model = modelFromSpec(modelSettings, io.env, downloadProgressWriter(io.stderr));
  const tools = await loadTools(command.sandbox.tools, io.cwd);
  const agent = await loadAgent(dir, {
    model,
    tools,
    modelOptions: { env: io.env },
    mcpServers: command.mcpServers,
    // The file's stdio servers start with the few safe variables (PATH, HOME, ...) and the file's
    // own env, never the user's whole environment (its API keys): the file may come from anyone.
    allowHostCommands: command.savedAgent.allowHostCommands,
    onApproval: terminalApproval({ input: io.stdin, output: io.stderr }),
    overrides: flagOverrides(command, file),
  });
  return await runAgent(io, command, { agent, model, tools, task: command.task, banner: "" });
}

/** What the flags given change of the file's settings. */
function flagOverrides(command: SavedAgentTask, file: AgentFile): LoadAgentOptions["overrides"] {
  const overrides: Partial<CodeAgentOptions> = {
    // No warm pool (the CLI runs once), and --timeout, over the file's options.
    executorOptions: { ...file.executorOptions, ...sandboxExecutorOptions(command.sandbox) },
  };
  if (command.maxSteps !== undefined) overrides.maxSteps = command.maxSteps;
  if (command.planningInterval !== undefined) overrides.planningInterval = command.planningInterval;
  if (command.instructions !== undefined) overrides.instructions = command.instructions;
  if (command.model.temperature !== undefined) overrides.generateOptions = { ...(file.generateOptions as CodeAgentOptions["generateOptions"]), temperature: command.model.temperature };
  if (!command.model.stream) overrides.streamOutputs = false;
  return overrides;
}
