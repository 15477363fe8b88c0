/**
 * The import gate of the Monty executor: every import a snippet makes, read from its syntax tree
 * (inside functions and blocks too), is checked against `authorizedImports` and against the
 * modules Monty has, before anything runs.
 */
import type { CodeError } from "../executor.js";
import type { SnippetAnalysis } from "./python-statements.js";
import { firstRawImport } from "./raw-import-scan.js";

/**
 * The modules Monty 0.0.18 provides. `os` and `pathlib` are there but every call that would
 * reach the host (files, environment) fails inside Monty, which is given no mounts.
 */
export const MONTY_MODULES: readonly string[] = Object.freeze(["asyncio", "datetime", "json", "math", "os", "pathlib", "re", "sys", "typing"]);

/**
 * Checks every import of a snippet before it runs. Monty has no `importlib` or `exec`, and the
 * name `__import__` is refused wherever it appears, so the import statements are the only way in
 * and a check of the source is complete. Returns the error for the first refused import, or undefined.
 */
export function refusedImport(analysis: Pick<SnippetAnalysis, "imports" | "importFunctionLines">, authorizedImports: readonly string[]): CodeError | undefined {
  const allowAll = authorizedImports.includes("*");
  const importable = MONTY_MODULES.filter((module) => allowAll || isAuthorized(module, authorizedImports));
  const dynamic = analysis.importFunctionLines[0];
  if (dynamic !== undefined) {
    return { type: "ImportError", message: `__import__ is not available in the sandbox (line ${dynamic}): use an import statement of an authorized module.` };
  }
  for (const binding of analysis.imports) {
    const where = `(line ${binding.line})`;
    if (binding.level > 0) {
      return { type: "ImportError", message: `Relative imports are not available in the sandbox ${where}.` };
    }
    const top = binding.module.split(".")[0]!;
    if (!allowAll && !isAuthorized(binding.module, authorizedImports)) {
      return {
        type: "ImportError",
        message:
          `Import of '${binding.module}' is not allowed ${where}. Authorized imports: ${importable.join(", ") || "none"}. ` +
          "Solve the task with these, or ask the user to add the module to authorizedImports.",
      };
    }
    if (!MONTY_MODULES.includes(top)) {
      return {
        type: "ImportError",
        message:
          `The Monty sandbox has no '${top}' module ${where}; it provides only ${importable.join(", ") || "no modules here"}. ` +
          'Solve the task without it, or use PyodideExecutor (executor: "pyodide") for the full standard library.',
      };
    }
  }
  return undefined;
}

/**
 * The gate's second check, on the raw text (`raw-import-scan.ts`): a module Monty has, not
 * authorized, named on any line that says `import`, strings and comments included.
 */
export function refusedRawImport(source: string, authorizedImports: readonly string[]): CodeError | undefined {
  if (authorizedImports.includes("*")) return undefined;
  const found = firstRawImport(source, MONTY_MODULES, (module) => isAuthorized(module, authorizedImports));
  if (found === undefined) return undefined;
  return {
    type: "ImportError",
    message:
      `Import of '${found.module}' is not allowed (line ${found.line}). Authorized imports: ${authorizedImports.join(", ") || "none"}. ` +
      "The sandbox refuses any line that says import and names a module that is not authorized, even inside a string or comment: reword that line.",
  };
}

function isAuthorized(module: string, authorizedImports: readonly string[]): boolean {
  const parts = module.split(".");
  return parts.some((_, index) => authorizedImports.includes(parts.slice(0, index + 1).join(".")));
}
