import { parseArgs } from "node:util";

/** What the command line asked for. */
export type CliCommand =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "exec"; code: string; imports?: string[]; timeoutMs?: number; json: boolean }
  | { kind: "demo"; json: boolean; verbose: boolean; fast: boolean }
  | {
      kind: "task";
      task: string;
      model: string;
      baseURL?: string;
      tools: string[];
      imports?: string[];
      maxSteps?: number;
      planningInterval?: number;
      timeoutMs?: number;
      executor?: "pyodide" | "quickjs" | "monty";
      language?: "python" | "javascript";
      instructions?: string;
      json: boolean;
      verbose: boolean;
    };

/** A command line that cannot be run; the message says what is wrong. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The default model when `--model` is not given. */
export const DEFAULT_MODEL = "openai:gpt-4o-mini";

export const HELP = `codeagent — an agent that solves tasks by writing and running Python

Usage:
  codeagent "<task>" [options]        Run an agent on a task, streaming each step
  codeagent demo [--json] [--fast]    Replay a recorded run through the real sandbox (no key needed)
  codeagent exec <code | ->           Run Python in the sandbox and print its logs and value

Options for a task:
  --model <provider:id>     Model to use (default ${DEFAULT_MODEL}); provider: openai
  --base-url <url>          An OpenAI-compatible server, e.g. http://localhost:11434/v1
  --tools <a,b,...>         Built-in tools (visit_webpage) or paths of modules exporting tools
  --imports <a,b,...>       Python modules the code may import ("*" for all)
  --max-steps <n>           Steps before the agent must answer (default 20)
  --planning-interval <n>   Plan at the start and every n steps
  --timeout <ms>            Time limit for each code run (default 30000)
  --executor <name>         The sandbox: pyodide (default), quickjs (JavaScript), monty (fast Python subset)
  --lang <python|javascript>  The language the model writes (javascript uses quickjs)
  --instructions <text>     Extra instructions for the system prompt
  --json                    Print one JSON event per line instead of the live view
  --verbose                 Also show the model's raw reply, tool results and timings
  -h, --help  -v, --version

Credentials come from the environment: OPENAI_API_KEY (or pass --base-url for a local server).
Exit codes: 0 success, 1 the run failed, 2 bad usage.
`;

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
  model: { type: "string", short: "m" },
  "base-url": { type: "string" },
  tools: { type: "string" },
  imports: { type: "string" },
  "max-steps": { type: "string" },
  "planning-interval": { type: "string" },
  timeout: { type: "string" },
  executor: { type: "string" },
  lang: { type: "string" },
  instructions: { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean" },
  fast: { type: "boolean" },
} as const;

/** Reads `argv` (without node and the script). Throws {@link UsageError} for a bad command line. */
export function parseCliArguments(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const [first, ...rest] = positionals;
  if (first === undefined) throw new UsageError("Give a task in quotes, or a command (demo, exec).");
  const json = values.json ?? false;
  if (first === "demo" && rest.length === 0) return { kind: "demo", json, verbose: values.verbose ?? false, fast: values.fast ?? false };
  if (first === "exec") {
    if (rest.length !== 1) throw new UsageError("exec takes one argument: the Python code in quotes, or - to read it from stdin.");
    return { kind: "exec", code: rest[0]!, json, ...list("imports", values.imports), ...number("timeoutMs", "--timeout", values.timeout) };
  }
  if (rest.length > 0) throw new UsageError(`Put the task in quotes: got ${positionals.length} separate words.`);
  const executor = values.executor;
  if (executor !== undefined && !["pyodide", "quickjs", "monty"].includes(executor)) {
    throw new UsageError(`Unknown executor '${executor}'. Available: pyodide, quickjs, monty.`);
  }
  const language = values.lang;
  if (language !== undefined && language !== "python" && language !== "javascript") {
    throw new UsageError(`Unknown language '${language}'. Available: python, javascript.`);
  }
  return {
    kind: "task",
    task: first,
    model: values.model ?? DEFAULT_MODEL,
    tools: values.tools ? splitList(values.tools) : [],
    ...(executor === undefined ? {} : { executor: executor as "pyodide" | "quickjs" | "monty" }),
    ...(language === undefined ? {} : { language }),
    json,
    verbose: values.verbose ?? false,
    ...(values["base-url"] === undefined ? {} : { baseURL: values["base-url"] }),
    ...(values.instructions === undefined ? {} : { instructions: values.instructions }),
    ...list("imports", values.imports),
    ...number("maxSteps", "--max-steps", values["max-steps"]),
    ...number("planningInterval", "--planning-interval", values["planning-interval"]),
    ...number("timeoutMs", "--timeout", values.timeout),
  };
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

function list<K extends string>(key: K, text: string | undefined): Partial<Record<K, string[]>> {
  return text === undefined ? {} : ({ [key]: splitList(text) } as Record<K, string[]>);
}

function number<K extends string>(key: K, flag: string, text: string | undefined): Partial<Record<K, number>> {
  if (text === undefined) return {};
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} takes a whole number ≥ 1, got '${text}'.`);
  return { [key]: value } as Record<K, number>;
}
