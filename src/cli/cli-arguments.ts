/**
 * The command line, read into a {@link CliCommand}: which command, and the settings its flags
 * give. A flag that makes no sense for the command is refused rather than silently ignored.
 */
import { parseArgs } from "node:util";

import { executorNames, findExecutor } from "../executors/registry.js";
import { mcpSpecFromFlag } from "../mcp/command-line.js";
import type { McpServerSpec } from "../mcp/mcp-client.js";
import { splitList, wholeNumber } from "./flag-values.js";
import { DEFAULT_MODEL } from "./help-text.js";
import { DEFAULT_REDIS, isJobCommandName, jobCommand, type JobCommand, type JobCommandName, type QueueAddress } from "./job-arguments.js";
import { UsageError } from "./usage-error.js";

export { DEFAULT_MODEL, HELP } from "./help-text.js";
export { UsageError } from "./usage-error.js";

/** The port of `codeagent ui` when `--port` is not given. */
const DEFAULT_UI_PORT = 7860;

/** The sandboxes the CLI can start. */
/** A sandbox by its registered name (src/executors/registry.ts). */
export type ExecutorName = string;

/** Which sandbox runs the code, and what it holds. */
export interface SandboxSettings {
  executor: ExecutorName;
  language: "python" | "javascript";
  tools: string[];
  imports?: string[];
  timeoutMs?: number;
  /** What the sandbox-specific flags set (`--image`, `--python`, `--packages`, `--network`), as that sandbox's options. */
  executorOptions: Record<string, unknown>;
}

/** Which model answers, and how it is called. */
export interface ModelSettings {
  spec: string;
  baseURL?: string;
  requestTimeoutMs?: number;
  maxRetries?: number;
  temperature?: number;
  supportsStop: boolean;
  stream: boolean;
}

/** What the command line asked for. */
export type CliCommand =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "exec"; code: string; sandbox: SandboxSettings; json: boolean; verbose: boolean }
  | { kind: "demo"; json: boolean; verbose: boolean; fast: boolean }
  /** `codeagent models`: which model providers the environment has set up. */
  | { kind: "models"; json: boolean; verbose: boolean }
  /** `otel`: send the run's spans over OTLP/HTTP (`--otel`). */
  | ({ kind: "task"; task: string; json: boolean; verbose: boolean; otel: boolean; savedAgent?: SavedAgentSettings } & AgentSettings)
  /**
   * `codeagent mcp-server`: serves run_code and run_agent over stdio, or over HTTP on `port`,
   * where clients must send `token` (from --token; else CODEAGENT_MCP_TOKEN, else a random one).
   */
  | ({ kind: "mcp-server"; port?: number; token?: string; otel: boolean } & AgentSettings)
  /**
   * `codeagent ui`: the web UI on 127.0.0.1:`port` (0 picks a free one), its agents made from the
   * flags; with `queue` (--queue, --redis), that queue's durable runs too.
   */
  | ({ kind: "ui"; port: number; queue?: QueueAddress } & AgentSettings)
  /** The commands of durable runs on a queue: `worker`, `enqueue`, `result`, `watch`, `approve`, `cancel`. */
  | JobCommand;

/** What an agent is given by the flags of a task (and of `mcp-server`, whose run_agent runs such agents). */
export interface AgentSettings {
  model: ModelSettings;
  sandbox: SandboxSettings;
  maxSteps?: number;
  planningInterval?: number;
  instructions?: string;
  /** The servers named with `--mcp`, whose tools the agent gets (stdio servers inherit the environment). */
  mcpServers: McpServerSpec[];
}

/**
 * `--agent <dir>`: the task is run by the agent saved in `dir`. The flags given change its
 * settings; the file's model stands unless `--model` is given (`modelGiven`).
 */
export interface SavedAgentSettings {
  dir: string;
  modelGiven: boolean;
  /** `--allow-host-commands`: the file may start its stdio MCP servers and a host interpreter. */
  allowHostCommands: boolean;
}

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
  model: { type: "string", short: "m" },
  "base-url": { type: "string" },
  "request-timeout": { type: "string" },
  "max-retries": { type: "string" },
  temperature: { type: "string" },
  "no-stop": { type: "boolean" },
  "no-stream": { type: "boolean" },
  tools: { type: "string" },
  mcp: { type: "string", multiple: true },
  imports: { type: "string" },
  module: { type: "string", multiple: true },
  "max-steps": { type: "string" },
  "planning-interval": { type: "string" },
  timeout: { type: "string" },
  executor: { type: "string" },
  image: { type: "string" },
  python: { type: "string" },
  packages: { type: "string" },
  "packages-dir": { type: "string" },
  network: { type: "boolean" },
  lang: { type: "string" },
  instructions: { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean" },
  fast: { type: "boolean" },
  port: { type: "string" },
  token: { type: "string" },
  agent: { type: "string" },
  "allow-host-commands": { type: "boolean" },
  otel: { type: "boolean" },
  queue: { type: "string" },
  redis: { type: "string" },
  concurrency: { type: "string" },
  "shutdown-grace": { type: "string" },
  "lock-duration": { type: "string" },
  attempts: { type: "string" },
  wait: { type: "boolean" },
  refuse: { type: "boolean" },
  reason: { type: "string" },
} as const;

type Flag = keyof typeof OPTIONS;

const OUTPUT_FLAGS: readonly Flag[] = ["json", "verbose"];
const SANDBOX_FLAGS: readonly Flag[] = ["executor", "lang", "tools", "imports", "module", "timeout", "image", "python", "packages", "packages-dir", "network"];

/** The flags that set one sandbox's own options: the option each sets, and the sandboxes that take it. */
const SANDBOX_OPTION_FLAGS = {
  image: { option: "image", sandboxes: ["docker"] },
  network: { option: "network", sandboxes: ["docker"] },
  python: { option: "python", sandboxes: ["local-python", "docker", "e2b", "modal", "blaxel"] },
  packages: { option: "packages", sandboxes: ["pyodide"] },
  "packages-dir": { option: "packagesDir", sandboxes: ["pyodide"] },
} as const satisfies Partial<Record<Flag, { option: string; sandboxes: readonly string[] }>>;
const MODEL_FLAGS: readonly Flag[] = ["model", "base-url", "request-timeout", "max-retries", "temperature", "no-stop", "no-stream"];
const AGENT_FLAGS: readonly Flag[] = ["max-steps", "planning-interval", "instructions", "mcp"];
const QUEUE_FLAGS: readonly Flag[] = ["queue", "redis"];

/** The flags each command takes, and why the others do not apply. */
const COMMAND_FLAGS: Record<"task" | "exec" | "demo" | "mcp-server" | "models" | "ui" | JobCommandName, { flags: readonly Flag[]; otherwise: string }> = {
  models: { flags: OUTPUT_FLAGS, otherwise: "models only lists the model providers and what the environment sets for them" },
  task: { flags: [...SANDBOX_FLAGS, ...MODEL_FLAGS, ...AGENT_FLAGS, ...OUTPUT_FLAGS, "otel", "agent", "allow-host-commands"], otherwise: "--fast is for codeagent demo, --port and --token for codeagent mcp-server" },
  "mcp-server": {
    flags: [...SANDBOX_FLAGS, ...MODEL_FLAGS, ...AGENT_FLAGS, "port", "token", "otel"],
    otherwise: "the MCP server writes nothing of its own to stdout: its client shows the results",
  },
  ui: { flags: [...SANDBOX_FLAGS, ...MODEL_FLAGS, ...AGENT_FLAGS, "port", ...QUEUE_FLAGS], otherwise: "the web UI shows the runs in the browser, and its token is made fresh and printed at start" },
  exec: { flags: [...SANDBOX_FLAGS, ...OUTPUT_FLAGS], otherwise: "exec runs your code as it is, with no model and no agent" },
  demo: { flags: ["fast", ...OUTPUT_FLAGS], otherwise: "the demo replays a recorded run with its own model, tools and sandbox" },
  worker: {
    flags: [...QUEUE_FLAGS, "concurrency", "shutdown-grace", "lock-duration", ...SANDBOX_FLAGS, ...MODEL_FLAGS, ...AGENT_FLAGS, ...OUTPUT_FLAGS],
    otherwise: "the worker's runs come with their own task and options from the queue",
  },
  enqueue: { flags: [...QUEUE_FLAGS, "max-steps", "attempts"], otherwise: "the worker that takes the run gives it its model, sandbox and tools" },
  result: { flags: [...QUEUE_FLAGS, "wait", "timeout"], otherwise: "result prints the run's status as JSON" },
  watch: { flags: [...QUEUE_FLAGS, ...OUTPUT_FLAGS], otherwise: "watch shows the run's events as its worker records them" },
  approve: { flags: [...QUEUE_FLAGS, "refuse", "reason"], otherwise: "approve decides on the tool call the run waits for" },
  cancel: { flags: QUEUE_FLAGS, otherwise: "cancel only stops the run" },
};


/** The flags given, by name. */
export type FlagValues = ReturnType<typeof parse>["values"];
type Values = FlagValues;

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS, strict: true });
}

/**
 * Reads `argv` (without node and the script). Throws {@link UsageError} for a bad command line.
 * `env` is what stdio MCP servers named with `--mcp` are started with (the user's environment).
 */
export function parseCliArguments(argv: readonly string[], env?: Record<string, string | undefined>): CliCommand {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const [first, ...rest] = positionals;
  if (first === undefined) throw new UsageError("Give a task in quotes, or a command (exec, demo, models, mcp-server, ui, worker, enqueue, result, watch, approve, cancel).");
  const json = values.json ?? false;
  const verbose = values.verbose ?? false;
  if (first === "demo" && rest.length === 0) {
    refuseFlagsOutside("demo", values);
    return { kind: "demo", json, verbose, fast: values.fast ?? false };
  }
  if (first === "models" && rest.length === 0) {
    refuseFlagsOutside("models", values);
    return { kind: "models", json, verbose };
  }
  if (first === "exec") {
    if (rest.length !== 1) throw new UsageError("exec takes one argument: the code in quotes, or - to read it from stdin.");
    refuseFlagsOutside("exec", values);
    return { kind: "exec", code: rest[0]!, sandbox: sandboxSettings(values), json, verbose };
  }
  if (first === "mcp-server" && rest.length === 0) {
    refuseFlagsOutside("mcp-server", values);
    return { kind: "mcp-server", otel: values.otel ?? false, ...agentSettings(values, env), ...wholeNumber("port", "--port", values.port, 0), ...httpToken(values) };
  }
  if (first === "ui" && rest.length === 0) {
    refuseFlagsOutside("ui", values);
    return { kind: "ui", port: DEFAULT_UI_PORT, ...wholeNumber("port", "--port", values.port, 0), ...uiQueue(values), ...agentSettings(values, env) };
  }
  if (isJobCommandName(first)) {
    refuseFlagsOutside(first, values);
    return jobCommand(first, rest, values, () => agentSettings(values, env));
  }
  if (first === "run" && rest.length === 0 && values.agent !== undefined) throw new UsageError(`Give the task in quotes after run: codeagent run --agent ${values.agent} "<task>".`);
  // `codeagent run "<task>"`, for `codeagent run --agent <dir> "<task>"`; a task that is just "run" stays a task.
  const words = first === "run" && rest.length > 0 ? rest : positionals;
  if (words.length > 1) throw new UsageError(`Put the task in quotes: got ${words.length} separate words.`);
  refuseFlagsOutside("task", values);
  return { kind: "task", task: words[0]!, json, verbose, otel: values.otel ?? false, ...agentSettings(values, env), ...savedAgent(values) };
}

function agentSettings(values: Values, env: Record<string, string | undefined> | undefined): AgentSettings {
  return {
    model: modelSettings(values),
    sandbox: sandboxSettings(values),
    ...(values.instructions === undefined ? {} : { instructions: values.instructions }),
    mcpServers: mcpServers(values.mcp ?? [], env),
    ...wholeNumber("maxSteps", "--max-steps", values["max-steps"], 1),
    ...wholeNumber("planningInterval", "--planning-interval", values["planning-interval"], 1),
  };
}

/** The flags that choose a sandbox, which a saved agent's file names instead. */
const SAVED_SANDBOX_FLAGS: readonly Flag[] = SANDBOX_FLAGS.filter((flag) => flag !== "tools" && flag !== "timeout");

function savedAgent(values: Values): { savedAgent?: SavedAgentSettings } {
  const dir = values.agent;
  if (dir === undefined) {
    if (values["allow-host-commands"] !== undefined) throw new UsageError("--allow-host-commands is for --agent <dir>: it lets the saved agent's file start the programs it names.");
    return {};
  }
  if (dir.trim() === "") throw new UsageError("--agent takes the folder an agent was saved to, e.g. --agent ./my-agent.");
  const refused = SAVED_SANDBOX_FLAGS.filter((flag) => values[flag] !== undefined);
  if (refused.length > 0) {
    throw new UsageError(
      `${refused.map((flag) => `--${flag}`).join(", ")} cannot change a saved agent's sandbox: change executor, executorOptions, authorizedImports or modules in ${dir}/agent.json (or save the agent again).`,
    );
  }
  return { savedAgent: { dir, modelGiven: values.model !== undefined, allowHostCommands: values["allow-host-commands"] ?? false } };
}

function httpToken(values: Values): { token?: string } {
  const token = values.token;
  if (token === undefined) return {};
  if (values.port === undefined) throw new UsageError("--token is for the HTTP server: give --port too (over stdio the client started the server, so no token is needed).");
  if (token.trim() === "" || /\s/.test(token)) throw new UsageError("--token needs a secret without spaces, e.g. --token \"$(openssl rand -base64 32)\".");
  return { token };
}

function refuseFlagsOutside(command: keyof typeof COMMAND_FLAGS, values: Values): void {
  const { flags, otherwise } = COMMAND_FLAGS[command];
  const given = (Object.keys(values) as Flag[]).filter((flag) => values[flag] !== undefined);
  const refused = given.filter((flag) => !flags.includes(flag));
  if (refused.length === 0) return;
  const name = command === "task" ? "a task" : command === "mcp-server" ? "mcp-server" : command;
  const list = refused.map((flag) => `--${flag}`).join(", ");
  throw new UsageError(
    `${list} ${refused.length === 1 ? "does" : "do"} not apply to ${name} (${otherwise}). Flags for ${name}: ${flags.map((flag) => `--${flag}`).join(", ")}.`,
  );
}

function sandboxSettings(values: Values): SandboxSettings {
  const executor = values.executor;
  if (executor !== undefined && !executorNames().includes(executor)) {
    throw new UsageError(`Unknown executor '${executor}'. Available: ${executorNames().join(", ")}.`);
  }
  const language = values.lang;
  if (language !== undefined && language !== "python" && language !== "javascript") {
    throw new UsageError(`Unknown language '${language}'. Available: python, javascript.`);
  }
  const chosen = executor ?? (language === "javascript" ? "quickjs" : "pyodide");
  const runs = findExecutor(chosen).language;
  if (language !== undefined && language !== runs) {
    const fitting = executorNames().filter((name) => findExecutor(name).language === language);
    throw new UsageError(`The ${chosen} executor runs ${runs}, not ${language}. For ${language}, use --executor ${fitting.join(" or ")}.`);
  }
  const executorOptions: Record<string, unknown> = {};
  for (const [flag, { option, sandboxes }] of Object.entries(SANDBOX_OPTION_FLAGS)) {
    const value = values[flag as keyof typeof SANDBOX_OPTION_FLAGS];
    if (value === undefined) continue;
    if (!(sandboxes as readonly string[]).includes(chosen)) {
      throw new UsageError(`--${flag} is for the ${sandboxes.join(", ")} sandbox${sandboxes.length > 1 ? "es" : ""}, not ${chosen}: add --executor ${sandboxes[0]}.`);
    }
    executorOptions[option] = flag === "packages" && typeof value === "string" ? splitList(value) : value;
  }
  if (values.module !== undefined) executorOptions["modules"] = moduleFlags(values.module);
  return {
    executor: chosen,
    language: runs,
    executorOptions,
    tools: values.tools === undefined ? [] : splitList(values.tools),
    ...(values.imports === undefined ? {} : { imports: splitList(values.imports) }),
    ...wholeNumber("timeoutMs", "--timeout", values.timeout, 1),
  };
}

/** `--module utils=./utils.py` (repeatable) → `{ utils: "./utils.py" }`; paths are resolved from the working folder when the command runs. */
function moduleFlags(flags: readonly string[]): Record<string, string> {
  const modules: Record<string, string> = {};
  for (const flag of flags) {
    const separator = flag.indexOf("=");
    if (separator <= 0 || separator === flag.length - 1) {
      throw new UsageError(`--module takes a name and a path, e.g. --module utils=./utils.py (got '${flag}').`);
    }
    modules[flag.slice(0, separator)] = flag.slice(separator + 1);
  }
  return modules;
}

function modelSettings(values: Values): ModelSettings {
  return {
    spec: values.model ?? DEFAULT_MODEL,
    supportsStop: values["no-stop"] !== true,
    stream: values["no-stream"] !== true,
    ...(values["base-url"] === undefined ? {} : { baseURL: values["base-url"] }),
    ...wholeNumber("requestTimeoutMs", "--request-timeout", values["request-timeout"], 1),
    ...wholeNumber("maxRetries", "--max-retries", values["max-retries"], 0),
    ...temperature(values.temperature),
  };
}

function mcpServers(flags: readonly string[], env: Record<string, string | undefined> | undefined): McpServerSpec[] {
  return flags.map((flag) => {
    try {
      return mcpSpecFromFlag(flag, env);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  });
}

/** The queue `codeagent ui` shows, when --queue names one. */
function uiQueue(values: Values): { queue?: QueueAddress } {
  if (values.queue === undefined || values.queue.trim() === "") {
    if (values.queue !== undefined || values.redis !== undefined) throw new UsageError("codeagent ui shows a queue's runs with --queue <name> (and --redis <url> when it is not on this machine).");
    return {};
  }
  return { queue: { queue: values.queue, redis: values.redis ?? DEFAULT_REDIS } };
}

function temperature(text: string | undefined): { temperature?: number } {
  if (text === undefined) return {};
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0 || value > 2) throw new UsageError(`--temperature takes a number from 0 to 2, got '${text}'.`);
  return { temperature: value };
}
