/**
 * `codeagent exec`: runs code in the sandbox the flags name (with their tools, imports and time
 * limit) and prints its logs and value, sanitised, or the whole result as JSON.
 */
import { createExecutor } from "../agents/create-executor.js";
import { formatValue } from "../render/format-value.js";
import { safeJsonStringify } from "../render/safe-json.js";
import { escapeJsonForTerminal, sanitizeText } from "../render/sanitize-text.js";
import type { CliCommand } from "./cli-arguments.js";
import { EXIT, type CliIO } from "./cli-io.js";
import { loadTools } from "./load-tools.js";

type ExecCommand = Extract<CliCommand, { kind: "exec" }>;

/** Runs the code of `command`; resolves to the exit code. Throws when the sandbox cannot run it. */
export async function runExec(command: ExecCommand, io: CliIO): Promise<number> {
  const { sandbox } = command;
  const code = command.code === "-" ? await readAll(io.stdin) : command.code;
  const tools = await loadTools(sandbox.tools, io.cwd);
  const executor = await createExecutor(sandbox.executor, {
    usePool: false,
    ...sandbox.executorOptions,
    ...(sandbox.imports ? { authorizedImports: sandbox.imports } : {}),
    ...(sandbox.timeoutMs ? { timeoutMs: sandbox.timeoutMs } : {}),
  });
  try {
    if (tools.length > 0) await executor.sendTools(tools);
    const result = await executor.run(code, io.signal ? { signal: io.signal } : {});
    const interrupted = io.signal?.aborted === true;
    if (command.json) io.stdout.write(`${escapeJsonForTerminal(safeJsonStringify({ ...result, ...(interrupted ? { interrupted } : {}) }) ?? "{}")}\n`);
    else {
      io.stdout.write(sanitizeText(result.logs));
      if (interrupted) io.stderr.write("Interrupted (Ctrl-C).\n");
      else if (result.error) io.stderr.write(`${sanitizeText(result.error.type)}: ${sanitizeText(result.error.message)}\n`);
      else if (result.output !== null && result.output !== undefined) io.stdout.write(`${sanitizeText(formatValue(result.output))}\n`);
    }
    if (interrupted) return EXIT.interrupted;
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
