import { readFileSync } from "node:fs";

import { CodeAgent, type CodeAgentOptions } from "../agents/code-agent.js";
import type { AgentEvent } from "../agents/events.js";
import { AgentConfigurationError, AgentError } from "../errors.js";
import { PyodideExecutor } from "../executors/pyodide/pyodide-executor.js";
import { createJsonLinesRenderer, createTerminalRenderer, shouldUseColor, type EventRenderer } from "../render/index.js";
import { HELP, parseCliArguments, UsageError, type CliCommand } from "./cli-arguments.js";
import { DEMO_TASK, demoModel, demoTools } from "./demo.js";
import { loadTools } from "./load-tools.js";
import { modelFromSpec } from "./model-from-spec.js";

/** What the CLI reads and writes; injected so tests can capture it. */
export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
}

/** Exit codes: 0 success, 1 the run failed, 2 bad usage. */
export const EXIT = Object.freeze({ success: 0, failure: 1, usage: 2 });

/** Runs the `codeagent` command with `argv` (without node and the script); resolves to its exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCliArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (argv.length === 0) {
      io.stdout.write(HELP);
      return EXIT.usage;
    }
    io.stderr.write(`${error.message}\n\nRun codeagent --help for usage.\n`);
    return EXIT.usage;
  }
  try {
    switch (command.kind) {
      case "help":
        io.stdout.write(HELP);
        return EXIT.success;
      case "version":
        io.stdout.write(`${packageVersion()}\n`);
        return EXIT.success;
      case "exec":
        return await runExec(command, io);
      case "demo":
        return await runAgent(io, command, {
          model: demoModel({ watchable: !command.fast && !command.json && io.stdout.isTTY === true }),
          tools: demoTools,
          task: DEMO_TASK,
          banner: "Demo: a recorded run (ScriptedModel replay) through the real Python sandbox and real tools.\n\n",
        });
      case "task":
        return await runAgent(io, command, {
          model: modelFromSpec(command.model, { env: io.env, ...(command.baseURL ? { baseURL: command.baseURL } : {}) }),
          tools: await loadTools(command.tools, io.cwd),
          task: command.task,
          banner: "",
        });
    }
  } catch (error) {
    // A configuration the agent refuses (say, a Python-only sandbox asked to run JavaScript) is bad usage too.
    if (error instanceof UsageError || error instanceof AgentConfigurationError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

interface AgentJob {
  model: CodeAgentOptions["model"];
  tools: CodeAgentOptions["tools"];
  task: string;
  banner: string;
}

async function runAgent(io: CliIO, command: Extract<CliCommand, { kind: "task" | "demo" }>, job: AgentJob): Promise<number> {
  const options: CodeAgentOptions = { model: job.model, tools: job.tools ?? [], executorOptions: { usePool: false } };
  if (command.kind === "task") {
    if (command.executor) options.executor = command.executor;
    if (command.language) options.language = command.language;
    if (command.imports) options.authorizedImports = command.imports;
    if (command.maxSteps) options.maxSteps = command.maxSteps;
    if (command.planningInterval) options.planningInterval = command.planningInterval;
    if (command.instructions) options.instructions = command.instructions;
    if (command.timeoutMs) options.executorOptions = { ...options.executorOptions, timeoutMs: command.timeoutMs };
  }
  const agent = new CodeAgent(options);
  const renderer = rendererFor(io, command);
  if (!command.json) io.stdout.write(job.banner);
  let state: string | undefined;
  try {
    for await (const event of agent.stream(job.task, io.signal ? { signal: io.signal } : {})) {
      renderer.render(event);
      if (event.type === "run-finish") state = event.result.state;
    }
  } catch (error) {
    renderer.close();
    reportFailure(io, command.json, error);
    return EXIT.failure;
  } finally {
    renderer.close();
    await agent.close();
  }
  return state === "success" ? EXIT.success : EXIT.failure;
}

function rendererFor(io: CliIO, command: { json: boolean; verbose: boolean }): EventRenderer {
  const write = (text: string) => void io.stdout.write(text);
  if (command.json) return createJsonLinesRenderer(write);
  const interactive = io.stdout.isTTY === true;
  return createTerminalRenderer({
    write,
    color: shouldUseColor(io.stdout, io.env),
    verbose: command.verbose,
    spinner: interactive,
    ...(io.stdout.columns ? { width: io.stdout.columns } : {}),
  });
}

function reportFailure(io: CliIO, json: boolean, error: unknown): void {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    const event: AgentEvent | { type: "run-error"; error: { type: string; message: string } } = { type: "run-error", error: { type: name, message } };
    io.stdout.write(`${JSON.stringify(event)}\n`);
  } else {
    io.stderr.write(`\nThe run failed: ${name}: ${message}\n`);
    if (!AgentError.isInstance(error) && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  }
}

async function runExec(command: Extract<CliCommand, { kind: "exec" }>, io: CliIO): Promise<number> {
  const code = command.code === "-" ? await readAll(io.stdin) : command.code;
  const executor = new PyodideExecutor({
    usePool: false,
    ...(command.imports ? { authorizedImports: command.imports } : {}),
    ...(command.timeoutMs ? { timeoutMs: command.timeoutMs } : {}),
  });
  try {
    const result = await executor.run(code, io.signal ? { signal: io.signal } : {});
    if (command.json) io.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      io.stdout.write(result.logs);
      if (result.error) io.stderr.write(`${result.error.type}: ${result.error.message}\n`);
      else if (result.output !== null) io.stdout.write(`${typeof result.output === "string" ? result.output : JSON.stringify(result.output, null, 2)}\n`);
    }
    return result.error ? EXIT.failure : EXIT.success;
  } finally {
    await executor.close();
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

function packageVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return packageJson.version;
}
