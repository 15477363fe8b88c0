/**
 * The `codeagent` command: reads the command line and runs the command, turning every way it
 * can end into an exit code and a clear message (never an uncaught error with a stack trace).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

import { AgentConfigurationError } from "../errors.js";
import { runMcpServerCommand } from "../mcp/server/mcp-server-command.js";
import { sanitizeText } from "../render/sanitize-text.js";
import { HELP, parseCliArguments, UsageError, type CliCommand } from "./cli-arguments.js";
import { EXIT, type CliIO } from "./cli-io.js";
import { DEMO_TASK, demoModel, demoTools } from "./demo.js";
import { reportFailure } from "./report-failure.js";
import { runAgent, withFlagAgent } from "./run-agent.js";
import { runExec } from "./run-exec.js";
import { runModels } from "./run-models.js";
import { runQueueCommand } from "./run-queue-command.js";
import { runSavedAgent } from "./run-saved-agent.js";
import { runUi } from "./run-ui.js";

export { EXIT, type CliIO } from "./cli-io.js";

/** Runs the `codeagent` command with `argv` (without node and the script); resolves to its exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCliArguments(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (argv.length === 0) {
      io.stdout.write(HELP);
      return EXIT.usage;
    }
    io.stderr.write(`${sanitizeText(error.message)}\n\nRun codeagent --help for usage.\n`);
    return EXIT.usage;
  }
  try {
    return await runCommand(command, io);
  } catch (error) {
    // A configuration the agent refuses (say, a Python-only sandbox asked to run JavaScript) is bad usage too.
    if (error instanceof UsageError || error instanceof AgentConfigurationError) {
      io.stderr.write(`${sanitizeText(error.message)}\n`);
      return EXIT.usage;
    }
    const interrupted = io.signal?.aborted === true;
    const options = "json" in command ? { json: command.json, verbose: command.verbose } : { json: false, verbose: false };
    reportFailure({ ...io, ...options, heading: command.kind === "exec" ? "The code could not be run" : "The run failed" }, error, interrupted);
    return interrupted ? EXIT.interrupted : EXIT.failure;
  }
}

async function runCommand(command: CliCommand, io: CliIO): Promise<number> {
  if ("sandbox" in command) resolveModulePaths(command.sandbox.executorOptions, io.cwd);
  switch (command.kind) {
    case "help":
      io.stdout.write(HELP);
      return EXIT.success;
    case "version":
      io.stdout.write(`${packageVersion()}\n`);
      return EXIT.success;
    case "exec":
      return await runExec(command, io);
    case "models":
      return runModels(command, io);
    case "demo":
      return await runAgent(io, command, {
        model: demoModel({ watchable: !command.fast && !command.json && io.stdout.isTTY === true }),
        tools: demoTools,
        task: DEMO_TASK,
        banner: "Demo: a recorded run (ScriptedModel replay) through the real Python sandbox and real tools.\n\n",
      });
    case "task": {
      if (command.savedAgent) return await runSavedAgent({ ...command, savedAgent: command.savedAgent }, io);
      return await withFlagAgent(command, io, async ({ model, tools }) => await runAgent(io, command, { model, tools, task: command.task, banner: "" }));
    }
    case "mcp-server":
      return await runMcpServerCommand(command, io);
    case "ui":
      return await runUi(command, io);
    case "worker":
    case "enqueue":
    case "result":
    case "watch":
    case "approve":
    case "cancel":
      return await runQueueCommand(command, io);
  }
}

function packageVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return packageJson.version;
}

/** The `--module` paths, from the folder the command runs in (which a test or an embedder may set). */
function resolveModulePaths(executorOptions: Record<string, unknown>, cwd: string): void {
  const modules = executorOptions["modules"] as Record<string, string> | undefined;
  if (modules === undefined) return;
  executorOptions["modules"] = Object.fromEntries(Object.entries(modules).map(([name, path]) => [name, resolve(cwd, path)]));
}
