/**
 * The user's JavaScript modules (`modules: { utils: "./utils.js" }`) made loadable in QuickJS,
 * which runs scripts, not ES modules. Each file becomes one call that hands the sandbox runtime a
 * factory function:
 *
 *   __codeagent.defineModule("utils.js", { "./words.js": "utils/words.js" }, function (...) {"use strict"; ...
 *
 * all on the file's first line, so a line of the file is the same line of the factory and errors
 * name the right one. Inside the factory:
 *
 * - every export is registered first, as a getter reading the module's own binding, so a module
 *   that imports this one back (a cycle) sees functions already and the rest once they are set;
 * - imports are hoisted after the exports, as constants read from the imported module's namespace
 *   when this module starts (a snapshot, not a live binding: for helper code that is the same);
 * - the `export` keywords and the import statements are removed where they stood, newlines kept.
 *
 * What each file imports is resolved here, on the host, so an import of a file that is not there
 * (or of `fs`) is an error when the sandbox starts, naming the file and line.
 */
import { parse } from "acorn";

import { javaScriptModuleFile, moduleImportError, type SandboxModule } from "../sandbox-modules.js";
import { childNodes, type AnyNode } from "./syntax-tree.js";

/** One module file as the sandbox runtime takes it. */
export interface ModuleScript {
  /** The file's path among the modules' files (`utils.js`, `textkit/index.js`): its name in stack traces. */
  path: string;
  /** The `defineModule(...)` call to evaluate. */
  script: string;
}

/** What the sandbox is given: each file's script, and the file each module name imports. */
export interface TransformedModules {
  scripts: ModuleScript[];
  /** Module name → the path of the file `import ... from "<name>"` loads. */
  entries: Record<string, string>;
}

const IMPORT = "__codeagent_import";
const IMPORT_NAME = "__codeagent_import_name";
const EXPORT = "__codeagent_export";
const EXPORT_ALL = "__codeagent_export_all";
const DEFAULT_BINDING = "__codeagent_default";

interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * Turns the modules into scripts for the sandbox. Throws a SandboxModuleError for a syntax
 * error, an import that names no file of the modules, or what a factory cannot do (top-level
 * `await`, `import.meta`).
 */
export function transformModules(modules: readonly SandboxModule[]): TransformedModules {
  const paths = new Set(modules.flatMap((module) => module.files.map((file) => file.path)));
  const entries: Record<string, string> = {};
  for (const module of modules) {
    const entry = [`${module.name}.js`, `${module.name}/index.js`].find((path) => paths.has(path));
    if (entry === undefined) throw moduleImportError(module.name, `the folder ${module.name}/ has no index.js, the file an import of the module loads.`);
    entries[module.name] = entry;
  }
  const scripts = modules.flatMap((module) =>
    module.files.map((file) => {
      try {
        return { path: file.path, script: moduleScript(file.path, file.source, (specifier) => resolveSpecifier(specifier, file.path, entries, paths)) };
      } catch (error) {
        if (error instanceof FileError) throw moduleImportError(module.name, `${file.path}${error.line === undefined ? "" : `, line ${error.line}`}: ${error.message}`);
        throw error;
      }
    }),
  );
  return { scripts, entries };
}

/** A problem in one file, at a line; the caller adds which module and file. */
class FileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/** The `defineModule(...)` call for one file (see the module comment). */
function moduleScript(path: string, source: string, resolve: (specifier: string) => string): string {
  let program: AnyNode;
  try {
    program = parse(source, { ecmaVersion: "latest", sourceType: "module", locations: true, allowHashBang: true }) as unknown as AnyNode;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const line = (error as SyntaxError & { loc?: { line: number } }).loc?.line;
    throw new FileError(`SyntaxError: ${error.message.replace(/\s*\(\d+:\d+\)$/, "")}`, line);
  }
  const edits: Edit[] = [];
  const exports: string[] = [];
  const imports: string[] = [];
  const resolved: Record<string, string> = {};
  const importFrom = (node: AnyNode): string => {
    const specifier = (node["source"] as AnyNode)["value"] as string;
    try {
      resolved[specifier] = resolve(specifier);
    } catch (error) {
      if (error instanceof FileError) throw new FileError(error.message, lineOf(node));
      throw error;
    }
    return JSON.stringify(specifier);
  };

  for (const statement of program["body"] as AnyNode[]) {
    switch (statement.type) {
      case "ImportDeclaration": {
        const from = importFrom(statement);
        const specifiers = statement["specifiers"] as AnyNode[];
        if (specifiers.length === 0) imports.push(`${IMPORT}(${from});`);
        for (const specifier of specifiers) imports.push(`const ${localName(specifier)} = ${importedValue(specifier, from)};`);
        edits.push(blank(source, statement));
        break;
      }
      case "ExportNamedDeclaration": {
        const declaration = statement["declaration"] as AnyNode | null;
        if (declaration !== null) {
          for (const name of declaredNames(declaration)) exports.push(exportLine(name, name));
          edits.push({ start: statement.start, end: declaration.start, text: "" });
          break;
        }
        const from = statement["source"] ? importFrom(statement) : undefined;
        for (const specifier of statement["specifiers"] as AnyNode[]) {
          const local = nameOf(specifier["local"] as AnyNode);
          const exported = nameOf(specifier["exported"] as AnyNode);
          exports.push(from === undefined ? exportLine(exported, local) : `${EXPORT}(${JSON.stringify(exported)}, () => ${IMPORT}(${from})[${JSON.stringify(local)}]);`);
        }
        edits.push(blank(source, statement));
        break;
      }
      case "ExportAllDeclaration": {
        const from = importFrom(statement);
        const exported = statement["exported"] as AnyNode | null;
        if (exported === null) imports.push(`${EXPORT_ALL}(${from});`);
        else exports.push(`${EXPORT}(${JSON.stringify(nameOf(exported))}, () => ${IMPORT}(${from}));`);
        edits.push(blank(source, statement));
        break;
      }
      case "ExportDefaultDeclaration": {
        const declaration = statement["declaration"] as AnyNode;
        const id = declaration["id"] as AnyNode | null | undefined;
        const named = (declaration.type === "FunctionDeclaration" || declaration.type === "ClassDeclaration") && id;
        if (named) {
          exports.push(exportLine("default", nameOf(id)));
          edits.push({ start: statement.start, end: declaration.start, text: "" });
        } else {
          exports.push(exportLine("default", DEFAULT_BINDING));
          edits.push({ start: statement.start, end: declaration.start, text: `const ${DEFAULT_BINDING} = ` });
          // A function or class expression ends without a semicolon; the next line must not call it.
          if (source[statement.end - 1] !== ";") edits.push({ start: statement.end, end: statement.end, text: ";" });
        }
        break;
      }
    }
  }
  refuseModuleOnlySyntax(program);

  const head = `__codeagent.defineModule(${JSON.stringify(path)}, ${JSON.stringify(resolved)}, function (${IMPORT}, ${IMPORT_NAME}, ${EXPORT}, ${EXPORT_ALL}) {"use strict";`;
  return `${head}${exports.join("")}${imports.join("")}${applyEdits(source, edits)}\n});`;
}

function exportLine(exported: string, local: string): string {
  return `${EXPORT}(${JSON.stringify(exported)}, () => ${local});`;
}

function importedValue(specifier: AnyNode, from: string): string {
  if (specifier.type === "ImportNamespaceSpecifier") return `${IMPORT}(${from})`;
  const imported = specifier.type === "ImportDefaultSpecifier" ? "default" : nameOf(specifier["imported"] as AnyNode);
  return `${IMPORT_NAME}(${from}, ${JSON.stringify(imported)})`;
}

function localName(specifier: AnyNode): string {
  return nameOf(specifier["local"] as AnyNode);
}

/** An identifier's name, or a string literal's value (`export { a as "b c" }`). */
function nameOf(node: AnyNode): string {
  return node.type === "Identifier" ? (node["name"] as string) : String(node["value"]);
}

/** The names a declaration binds: one function or class, or every name in a variable's patterns. */
function declaredNames(declaration: AnyNode): string[] {
  if (declaration.type !== "VariableDeclaration") return [nameOf(declaration["id"] as AnyNode)];
  const names: string[] = [];
  const collect = (pattern: AnyNode | null): void => {
    if (pattern === null) return;
    switch (pattern.type) {
      case "Identifier":
        names.push(pattern["name"] as string);
        break;
      case "ObjectPattern":
        for (const property of pattern["properties"] as AnyNode[]) collect(property.type === "RestElement" ? (property["argument"] as AnyNode) : (property["value"] as AnyNode));
        break;
      case "ArrayPattern":
        for (const element of pattern["elements"] as (AnyNode | null)[]) collect(element);
        break;
      case "RestElement":
        collect(pattern["argument"] as AnyNode);
        break;
      case "AssignmentPattern":
        collect(pattern["left"] as AnyNode);
        break;
    }
  };
  for (const declarator of declaration["declarations"] as AnyNode[]) collect(declarator["id"] as AnyNode);
  return names;
}

/**
 * What only a real ES module can do: `await` outside functions (the factory runs synchronously,
 * when the module is first imported) and `import.meta`.
 */
function refuseModuleOnlySyntax(program: AnyNode): void {
  const visit = (node: AnyNode, topLevel: boolean): void => {
    if (node.type === "MetaProperty" && (node["meta"] as AnyNode)["name"] === "import") {
      throw new FileError("SyntaxError: import.meta is not available to modules in this sandbox.", lineOf(node));
    }
    if (topLevel && (node.type === "AwaitExpression" || (node.type === "ForOfStatement" && node["await"] === true))) {
      throw new FileError("SyntaxError: await at a module's top level is not supported here; do the async work inside a function.", lineOf(node));
    }
    const inner = topLevel && !FUNCTION_TYPES.has(node.type);
    for (const child of childNodes(node)) visit(child, inner);
  };
  visit(program, true);
}

const FUNCTION_TYPES = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression", "MethodDefinition", "PropertyDefinition", "StaticBlock"]);

function lineOf(node: AnyNode): number | undefined {
  return (node["loc"] as { start: { line: number } } | undefined)?.start.line;
}

/** Removes a statement, keeping its line breaks so the lines after it do not move. */
function blank(source: string, node: AnyNode): Edit {
  return { start: node.start, end: node.end, text: source.slice(node.start, node.end).replace(/[^\n]/g, "") };
}

function applyEdits(source: string, edits: Edit[]): string {
  let text = "";
  let cursor = 0;
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    text += source.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return text + source.slice(cursor);
}

/** The file an import in `from` loads: another module by its name, or a file of the modules. */
function resolveSpecifier(specifier: string, from: string, entries: Record<string, string>, paths: ReadonlySet<string>): string {
  const found = Object.hasOwn(entries, specifier) ? entries[specifier] : javaScriptModuleFile(specifier, from, paths);
  if (found !== undefined) return found;
  const names = Object.keys(entries).join(", ");
  throw new FileError(
    `ImportError: it imports '${specifier}', which is not among the modules given to the sandbox (${names}). ` +
      "The sandbox has no Node.js or npm modules: a module may import only the other modules you give it.",
  );
}
