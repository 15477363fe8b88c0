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
 *   that imports this one back (a cycle) finds its names at once and their values once set;
 * - each imported module's namespace is taken next, as a constant, and every use of an imported
 *   name becomes a read of the namespace (`cleanText(x)` → `__codeagent_ns_0.cleanText(x)`), so
 *   imports are live bindings as in a real ES module, and a cycle reads nothing too early;
 * - where an import statement stood, a check that the names it imports exist, so a missing one is
 *   reported at that line; `export` keywords are removed in place, newlines kept.
 *
 * What each file imports is resolved here, on the host, so an import of a file that is not there
 * (or of `fs`) is an error when the sandbox starts, naming the file and line.
 */
import { parse } from "acorn";
import { analyze } from "eslint-scope";

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

// The factory's parameters (the runtime's loadModule passes them in this order) and bindings.
const IMPORT = "__codeagent_import";
const CHECK = "__codeagent_check_names";
const EXPORT = "__codeagent_export";
const EXPORT_ALL = "__codeagent_export_all";
const IMPORT_ASYNC = "__codeagent_import_async";
const NAME_DEFAULT = "__codeagent_name_default";
const NAMESPACE = "__codeagent_ns_";
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
    // Ranges are for the scope analysis (eslint-scope reads `range`).
    program = parse(source, { ecmaVersion: "latest", sourceType: "module", locations: true, ranges: true, allowHashBang: true }) as unknown as AnyNode;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const line = (error as SyntaxError & { loc?: { line: number } }).loc?.line;
    throw new FileError(`SyntaxError: ${error.message.replace(/\s*\(\d+:\d+\)$/, "")}`, line);
  }
  refuseModuleOnlySyntax(program);
  const edits: Edit[] = [];
  const exports: string[] = [];
  const prelude: string[] = [];
  const resolved: Record<string, string> = {};
  const resolveAt = (specifier: string, node: AnyNode): void => {
    try {
      resolved[specifier] = resolve(specifier);
    } catch (error) {
      if (error instanceof FileError) throw new FileError(error.message, lineOf(node));
      throw error;
    }
  };
  /** The constant holding the namespace of the module `node` imports from, taken once per specifier. */
  const namespaces = new Map<string, string>();
  const namespaceOf = (node: AnyNode): string => {
    const specifier = (node["source"] as AnyNode)["value"] as string;
    resolveAt(specifier, node);
    let name = namespaces.get(specifier);
    if (name === undefined) {
      name = `${NAMESPACE}${namespaces.size}`;
      namespaces.set(specifier, name);
      prelude.push(`const ${name} = ${IMPORT}(${JSON.stringify(specifier)});`);
    }
    return name;
  };
  /** Where a statement stood: a check of the names it takes from `namespace`, then its line breaks. */
  const replaceWithCheck = (statement: AnyNode, namespace: string, names: string[]): void => {
    const specifier = JSON.stringify((statement["source"] as AnyNode)["value"]);
    const check = names.length > 0 ? `${CHECK}(${namespace}, ${specifier}, ${JSON.stringify(names)});` : "";
    edits.push({ start: statement.start, end: statement.end, text: check + lineBreaks(source, statement) });
  };
  /** Imported local name → the expression that reads it. */
  const imported = new Map<string, string>();

  if (source.startsWith("#!")) edits.push({ start: 0, end: source.search(/\n|$/), text: "" });
  for (const statement of program["body"] as AnyNode[]) {
    switch (statement.type) {
      case "ImportDeclaration": {
        const namespace = namespaceOf(statement);
        const names: string[] = [];
        for (const specifier of statement["specifiers"] as AnyNode[]) {
          const local = nameOf(specifier["local"] as AnyNode);
          if (specifier.type === "ImportNamespaceSpecifier") {
            imported.set(local, namespace);
            continue;
          }
          const name = specifier.type === "ImportDefaultSpecifier" ? "default" : nameOf(specifier["imported"] as AnyNode);
          names.push(name);
          imported.set(local, member(namespace, name));
        }
        replaceWithCheck(statement, namespace, names);
        break;
      }
      case "ExportNamedDeclaration": {
        const declaration = statement["declaration"] as AnyNode | null;
        if (declaration !== null) {
          for (const name of declaredNames(declaration)) exports.push(exportLine(name, name));
          edits.push({ start: statement.start, end: declaration.start, text: "" });
          break;
        }
        const specifiers = statement["specifiers"] as AnyNode[];
        if (statement["source"]) {
          const namespace = namespaceOf(statement);
          for (const specifier of specifiers) exports.push(exportLine(nameOf(specifier["exported"] as AnyNode), member(namespace, nameOf(specifier["local"] as AnyNode))));
          replaceWithCheck(statement, namespace, specifiers.map((specifier) => nameOf(specifier["local"] as AnyNode)));
          break;
        }
        for (const specifier of specifiers) {
          const local = nameOf(specifier["local"] as AnyNode);
          exports.push(exportLine(nameOf(specifier["exported"] as AnyNode), imported.get(local) ?? local));
        }
        edits.push({ start: statement.start, end: statement.end, text: lineBreaks(source, statement) });
        break;
      }
      case "ExportAllDeclaration": {
        const namespace = namespaceOf(statement);
        const exported = statement["exported"] as AnyNode | null;
        if (exported === null) prelude.push(`${EXPORT_ALL}(${namespace});`);
        else exports.push(exportLine(nameOf(exported), namespace));
        edits.push({ start: statement.start, end: statement.end, text: lineBreaks(source, statement) });
        break;
      }
      case "ExportDefaultDeclaration":
        exports.push(exportLine("default", defaultExport(statement, source, edits)));
        break;
    }
  }
  // import("./x.js") with a literal is resolved like a static import, so a missing file is found now.
  rewriteImportedNames(program, imported, edits, (node) => {
    const specifier = node["source"] as AnyNode;
    if (specifier.type === "Literal" && typeof specifier["value"] === "string") resolveAt(specifier["value"], node);
  });
  const head =
    `__codeagent.defineModule(${JSON.stringify(path)}, ${JSON.stringify(resolved)}, ` +
    `function (${IMPORT}, ${CHECK}, ${EXPORT}, ${EXPORT_ALL}, ${IMPORT_ASYNC}, ${NAME_DEFAULT}) {"use strict";`;
  return `${head}${exports.join("")}${prelude.join("")}${applyEdits(source, edits)}\n});`;
}

/**
 * `export default ...`: a named function or class keeps its name; an anonymous one is given the
 * binding's name (a function declaration stays hoisted) and then the name `default`, as in a real
 * module; an expression is kept in a constant. Returns the local name the export reads.
 */
function defaultExport(statement: AnyNode, source: string, edits: Edit[]): string {
  const declaration = statement["declaration"] as AnyNode;
  const id = declaration["id"] as AnyNode | null | undefined;
  const isDeclaration = declaration.type === "FunctionDeclaration" || declaration.type === "ClassDeclaration";
  if (isDeclaration && id) {
    edits.push({ start: statement.start, end: declaration.start, text: "" });
    return nameOf(id);
  }
  if (isDeclaration) {
    edits.push({ start: statement.start, end: declaration.start, text: "" });
    const keyword = /^(async\s+)?function\s*\*?|^class/.exec(source.slice(declaration.start))![0];
    const at = declaration.start + keyword.length;
    edits.push({ start: at, end: at, text: ` ${DEFAULT_BINDING}` });
    const naming = `${NAME_DEFAULT}(${DEFAULT_BINDING});`;
    // The function is hoisted: named before anything runs. The class is named where it is made.
    if (declaration.type === "FunctionDeclaration") edits.push({ start: statement.start, end: statement.start, text: naming });
    else edits.push({ start: declaration.end, end: declaration.end, text: `;${naming}` });
    return DEFAULT_BINDING;
  }
  edits.push({ start: statement.start, end: declaration.start, text: `const ${DEFAULT_BINDING} = ` });
  const anonymous = ANONYMOUS_FUNCTION_TYPES.has(declaration.type) && !declaration["id"];
  // A function or class expression ends without a semicolon; the next line must not call it.
  const end = source[statement.end - 1] === ";" ? "" : ";";
  edits.push({ start: statement.end, end: statement.end, text: `${end}${anonymous ? `${NAME_DEFAULT}(${DEFAULT_BINDING});` : ""}` });
  return DEFAULT_BINDING;
}

const ANONYMOUS_FUNCTION_TYPES = new Set(["FunctionExpression", "ArrowFunctionExpression", "ClassExpression"]);

/**
 * Every use of an imported name becomes a read of its namespace: the scope analysis says which
 * identifiers refer to the import (not to an inner variable of the same name). `{ name }` in an
 * object literal becomes `{ name: <read> }`. `import(...)` goes to the module's own loader.
 */
function rewriteImportedNames(program: AnyNode, imported: ReadonlyMap<string, string>, edits: Edit[], onDynamicImport: (node: AnyNode) => void): void {
  const shorthand = new Set<number>();
  const visit = (node: AnyNode): void => {
    if (node.type === "Property" && node["shorthand"] === true) shorthand.add((node["value"] as AnyNode).start);
    if (node.type === "ImportExpression") {
      onDynamicImport(node);
      edits.push({ start: node.start, end: node.start + "import".length, text: IMPORT_ASYNC });
    }
    for (const child of childNodes(node)) visit(child);
  };
  visit(program);
  if (imported.size === 0) return;
  const scopes = analyze(program as never, { ecmaVersion: 2022, sourceType: "module", fallback: "iteration" });
  const moduleScope = scopes.globalScope.childScopes.find((scope) => scope.type === "module");
  for (const variable of moduleScope?.variables ?? []) {
    const read = imported.get(variable.name);
    if (read === undefined || variable.defs[0]?.type !== "ImportBinding") continue;
    for (const reference of variable.references) {
      const { start, end } = reference.identifier as unknown as AnyNode;
      edits.push({ start, end, text: shorthand.has(start) ? `${variable.name}: ${read}` : read });
    }
  }
}

function exportLine(exported: string, read: string): string {
  return `${EXPORT}(${JSON.stringify(exported)}, () => ${read});`;
}

/** `namespace.name`, or `namespace["b c"]` for a name that is not an identifier. */
function member(namespace: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${namespace}.${name}` : `${namespace}[${JSON.stringify(name)}]`;
}

/** The line breaks inside a statement: what replaces it, so the lines after it do not move. */
function lineBreaks(source: string, node: AnyNode): string {
  return source.slice(node.start, node.end).replace(/[^\n]/g, "");
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

/** Applies edits in order of position; an edit inside a range another one replaced is dropped. */
function applyEdits(source: string, edits: Edit[]): string {
  const sorted = edits.map((edit, index) => ({ edit, index })).sort((a, b) => a.edit.start - b.edit.start || a.edit.end - b.edit.end || a.index - b.index);
  let text = "";
  let cursor = 0;
  for (const { edit } of sorted) {
    if (edit.start < cursor) continue;
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
