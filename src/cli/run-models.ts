/**
 * `codeagent models`: each model provider, whether the environment has what it needs (a key, an
 * address, its optional package), and an example model string, as a table or, with --json, as data.
 */
import { createRequire } from "node:module";
import { join } from "node:path";

import { providerStatuses } from "../models/model-string.js";
import { safeJsonStringify } from "../render/safe-json.js";
import { escapeJsonForTerminal, sanitizeText } from "../render/sanitize-text.js";
import { EXIT, type CliIO } from "./cli-io.js";

/** Prints the providers' states; resolves to the exit code. */
export function runModels(command: { json: boolean }, io: CliIO): number {
  // Packages are looked for where the user works, as well as beside codeagent itself.
  const fromProject = createRequire(join(io.cwd, "package.json"));
  const fromCodeagent = createRequire(import.meta.url);
  const isInstalled = (pkg: string) => [fromProject, fromCodeagent].some((require) => resolves(require, pkg));
  const statuses = providerStatuses(io.env, isInstalled);
  if (command.json) {
    io.stdout.write(`${escapeJsonForTerminal(safeJsonStringify(statuses) ?? "[]")}\n`);
    return EXIT.success;
  }
  const width = Math.max(...statuses.map((status) => status.example.length));
  const lines = statuses.map((status) => `  ${status.state === "ready" ? "ready  " : "not set"}  ${status.example.padEnd(width)}  ${status.advice}`);
  // The environment's values are shown: nothing in them may act on the terminal.
  io.stdout.write(sanitizeText(`Model strings are provider:model-id (--model, or modelFromString in code):\n${lines.join("\n")}\n`));
  return EXIT.success;
}

function resolves(require: NodeRequire, pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  }
}
