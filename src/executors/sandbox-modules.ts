/**
 * The user's own helper modules for the sandbox (`modules: { utils: "./utils.py" }`): read on the
 * host when the executor is made, so a missing file is an error at once, and sent to every fresh
 * interpreter, which makes them importable and imports each before the first run. They run inside
 * the sandbox, with its limits; nothing of them runs on the host.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

import { AgentConfigurationError, SandboxModuleError } from "../errors.js";
import type { ExecutorLanguage } from "./executor.js";

/** Where one module's code comes from: a file, a folder that is a package, or the source itself. */
export type ModuleSource = string | { source: string };

/** The `modules` option: module name → its file, package folder or source. */
export type ModulesOption = Readonly<Record<string, ModuleSource>>;

/** One file of a module as the sandbox gets it: `utils.py`, or `pkg/__init__.py` and `pkg/sub.py`. */
export interface SandboxModuleFile {
  path: string;
  source: string;
}

/** One of the user's modules, read and ready to send. */
export interface SandboxModule {
  name: string;
  files: SandboxModuleFile[];
}

/** Bounds that keep a mistaken path (a home folder, `node_modules`) from being sent whole. */
const MAX_FILES = 200;
const MAX_TOTAL_CHARS = 4_000_000;

const EXTENSION: Record<ExecutorLanguage, string> = { python: ".py", javascript: ".js" };

/**
 * Reads the modules named in `modules`, relative paths from `baseDir`. Throws
 * {@link AgentConfigurationError} saying what to fix for a bad name, a missing or unreadable file,
 * a folder that is not a package, or too much code.
 */
export function loadSandboxModules(modules: ModulesOption, language: ExecutorLanguage, baseDir = process.cwd()): SandboxModule[] {
  const loaded: SandboxModule[] = [];
  let totalChars = 0;
  for (const [name, from] of Object.entries(modules)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new AgentConfigurationError(`A module's name must be an identifier (letters, digits and _), not ${JSON.stringify(name)}: it is what the code imports.`);
    }
    const files = typeof from === "string" ? readModuleFiles(name, resolve(baseDir, from), language) : [{ path: `${name}${EXTENSION[language]}`, source: sourceText(name, from) }];
    totalChars += files.reduce((sum, file) => sum + file.source.length, 0);
    if (totalChars > MAX_TOTAL_CHARS) {
      throw new AgentConfigurationError(`The modules hold more than ${MAX_TOTAL_CHARS.toLocaleString("en-US")} characters of code: check the paths given in modules (a folder given by mistake?).`);
    }
    loaded.push({ name, files });
  }
  return loaded;
}

function sourceText(name: string, from: { source: string }): string {
  if (typeof from?.source !== "string") throw new AgentConfigurationError(`modules.${name} must be a path or { source: "..." }.`);
  return from.source;
}

function readModuleFiles(name: string, path: string, language: ExecutorLanguage): SandboxModuleFile[] {
  const extension = EXTENSION[language];
  let isFolder: boolean;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    throw new AgentConfigurationError(`modules.${name}: ${path} does not exist. Give the path of a ${extension} file or of a package folder.`);
  }
  if (!isFolder) {
    if (!path.endsWith(extension)) throw new AgentConfigurationError(`modules.${name}: ${path} is not a ${extension} file.`);
    return [{ path: `${name}${extension}`, source: readFileSync(path, "utf8") }];
  }
  if (language === "python" && !safeExists(join(path, "__init__.py"))) {
    throw new AgentConfigurationError(`modules.${name}: the folder ${path} is not a Python package (it has no __init__.py).`);
  }
  return packageFiles(path, extension).map((file) => ({ path: `${name}/${relative(path, file).split(sep).join("/")}`, source: readFileSync(file, "utf8") }));
}

/** The package's source files, subfolders included, in a stable order. */
function packageFiles(root: string, extension: string): string[] {
  const found: string[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const folder = pending.pop()!;
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(folder, entry.name);
      // Hidden folders and caches are not the package's code.
      if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "__pycache__" && entry.name !== "node_modules") pending.push(full);
      else if (entry.isFile() && entry.name.endsWith(extension)) found.push(full);
      if (found.length > MAX_FILES) throw new AgentConfigurationError(`The package ${root} has more than ${MAX_FILES} files: give the package's own folder.`);
    }
  }
  return found.sort();
}

function safeExists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}


/**
 * The error for a module that fails to import when a sandbox starts. `reason` is where and why,
 * as the sandbox says it: `utils.py, line 2: ModuleNotFoundError: ...`.
 */
export function moduleImportError(name: string, reason: string, cause?: unknown): SandboxModuleError {
  return new SandboxModuleError(
    name,
    `The module '${name}' could not be imported in the sandbox: ${reason} Fix the module; what it imports must be available in this sandbox.`,
    { cause },
  );
}

/**
 * The file a JavaScript module's import names among the modules' `paths`: `./x` and `../x`
 * relative to the importing file `from`, any other specifier as a path from the modules' root
 * (`textkit/words`); the path itself, else with `.js`, else with `/index.js`. Undefined when there
 * is none, or the path climbs above the root.
 */
export function javaScriptModuleFile(specifier: string, from: string, paths: { has(path: string): boolean }): string | undefined {
  const relative = specifier.startsWith("./") || specifier.startsWith("../");
  const parts: string[] = [];
  for (const part of (relative ? `${from.slice(0, from.lastIndexOf("/") + 1)}${specifier}` : specifier).split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") parts.push(part);
    else if (parts.pop() === undefined) return undefined;
  }
  const base = parts.join("/");
  return base === "" ? undefined : [base, `${base}.js`, `${base}/index.js`].find((path) => paths.has(path));
}
