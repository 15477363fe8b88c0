import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { PyodideExecutor } from "../executors/pyodide/pyodide-executor.js";

/** Where the CLI reads and writes; injected so tests can capture it. */
export interface CliStreams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdin: NodeJS.ReadableStream;
}

/** Exit codes: 0 success, 1 the code or run failed, 2 bad usage. */
export const EXIT = Object.freeze({ success: 0, failure: 1, usage: 2 });

const HELP = `codeagent — code agents for TypeScript

Usage:
  codeagent exec <python code | ->   Run Python in the sandbox and print its logs, value or error
      --imports a,b,c                Modules the code may import ("*" for all)
      --timeout <ms>                 Time limit (default 30000)
      --json                         Print the result as one JSON object
  codeagent --version
  codeagent --help
`;

/** Runs the `codeagent` command with `argv` (without node and the script) and returns its exit code. */
export async function runCli(argv: string[], streams: CliStreams): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
        imports: { type: "string" },
        timeout: { type: "string" },
        json: { type: "boolean" },
      },
    });
  } catch (error) {
    streams.stderr.write(`${(error as Error).message}\n\n${HELP}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    streams.stdout.write(`${packageVersion()}\n`);
    return EXIT.success;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    streams.stdout.write(HELP);
    return values.help ? EXIT.success : EXIT.usage;
  }
  if (command !== "exec" || rest.length !== 1) {
    streams.stderr.write(`Unknown command or missing code: ${positionals.join(" ")}\n\n${HELP}`);
    return EXIT.usage;
  }
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutMs !== undefined && !(timeoutMs > 0)) {
    streams.stderr.write(`--timeout takes a positive number of milliseconds, got '${values.timeout}'\n`);
    return EXIT.usage;
  }
  const code = rest[0] === "-" ? await readAll(streams.stdin) : rest[0]!;
  const executor = new PyodideExecutor({
    usePool: false,
    ...(values.imports === undefined ? {} : { authorizedImports: values.imports.split(",").map((name) => name.trim()) }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  try {
    const result = await executor.run(code);
    if (values.json) streams.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      streams.stdout.write(result.logs);
      if (result.error) streams.stderr.write(`${result.error.type}: ${result.error.message}\n`);
      else if (result.output !== null) streams.stdout.write(`${formatValue(result.output)}\n`);
    }
    return result.error ? EXIT.failure : EXIT.success;
  } finally {
    await executor.close();
  }
}

function formatValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
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
