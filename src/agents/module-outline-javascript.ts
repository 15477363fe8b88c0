/**
 * The exports of a user's JavaScript module, for the prompt: each one's signature as written,
 * under its JSDoc comment, and under the name an importer uses. Re-exports and exported imports
 * are followed to the file that declares them (`export * from "./words.js"`,
 * `export { count } from "./words.js"`, `import { f } from "utils"; export { f }`), resolved as the
 * sandbox resolves them, so a package's index lists what it really offers.
 */
import { parse, type Comment, type Node } from "acorn";

import { javaScriptModuleFile } from "../executors/sandbox-modules.js";

type AnyNode = Node & Record<string, unknown>;

const MAX_DOC_CHARS = 600;
const MAX_SIGNATURE_CHARS = 300;
/** A bundle this large lists nothing useful in a prompt, and parsing it would hold the prompt up. */
const MAX_SOURCE_CHARS = 1_000_000;
/** How many of a namespace's members its entry names. */
const MAX_NAMESPACE_MEMBERS = 12;

/** How code uses an export: calls it, constructs it, or reads it. */
type ExportKind = "function" | "class" | "value";

/** One export of a file, before it is shown. */
interface ExportEntry {
  /** The name importers use; `default` for the default export. */
  exported: string;
  /** The name its declaration gives it; when it differs from `exported`, the listing says so. */
  declared: string | undefined;
  kind: ExportKind;
  /** `function name(params)`, `class Name { ... }`, `let name`; unused for a namespace. */
  signature: string;
  doc: string | undefined;
  /** For `export * as name`: the exports the namespace object holds. */
  members?: readonly { name: string; kind: ExportKind }[];
  /** Reached through `export * from`, which yields to the file's own export of the same name. */
  viaStar: boolean;
}

/** One outline's state: files already read, and those being read (an import cycle stops there). */
interface Walk {
  files: ReadonlyMap<string, string>;
  done: Map<string, ExportEntry[]>;
  reading: Set<string>;
}

/** One parsed file, with what its statements need to describe themselves. */
interface ParsedFile {
  path: string;
  source: string;
  body: AnyNode[];
  comments: Comment[];
  walk: Walk;
}

/** The exports of the file `path` among `files` (path → source), one entry per export. */
export function outlineJavaScript(path: string, files: ReadonlyMap<string, string>): string[] {
  return exportsOf(path, { files, done: new Map(), reading: new Set() }).map(render);
}

function exportsOf(path: string, walk: Walk): ExportEntry[] {
  const done = walk.done.get(path);
  if (done) return done;
  const source = walk.files.get(path);
  // A file being read is an import cycle: its exports are listed where its reading started.
  if (source === undefined || walk.reading.has(path)) return [];
  walk.reading.add(path);
  let entries: ExportEntry[] = [];
  try {
    if (source.length <= MAX_SOURCE_CHARS) entries = fileExports(path, source, walk);
  } catch {
    // A syntax error (or nesting too deep to parse): the sandbox reports it when it starts; the prompt lists nothing for the file.
  } finally {
    walk.reading.delete(path);
  }
  walk.done.set(path, entries);
  return entries;
}

function fileExports(path: string, source: string, walk: Walk): ExportEntry[] {
  const comments: Comment[] = [];
  const program = parse(source, { ecmaVersion: "latest", sourceType: "module", onComment: comments }) as unknown as AnyNode;
  const file: ParsedFile = { path, source, body: program["body"] as AnyNode[], comments, walk };
  return withoutShadowedStarExports(file.body.flatMap((statement) => statementExports(statement, file)));
}

function statementExports(statement: AnyNode, file: ParsedFile): ExportEntry[] {
  const doc = jsDocBefore(statement.start, file);
  if (statement.type === "ExportAllDeclaration") {
    const target = importedExports(statement, file);
    const exported = statement["exported"] as AnyNode | null;
    if (exported) return [namespaceEntry(nameOf(exported), target, doc)];
    return target.filter((entry) => entry.exported !== "default").map((entry) => ({ ...entry, viaStar: true }));
  }
  if (statement.type === "ExportDefaultDeclaration") {
    const declaration = statement["declaration"] as AnyNode;
    if (declaration.type === "Identifier") return localExport(declaration["name"] as string, "default", file);
    const described = describeValue(declaration, file.source);
    const entry = described ?? { declared: undefined, kind: "value" as const, signature: "(a value)" };
    return [{ ...entry, exported: "default", doc, viaStar: false }];
  }
  if (statement.type !== "ExportNamedDeclaration") return [];
  const declaration = statement["declaration"] as AnyNode | null;
  if (declaration) return declarationEntries(declaration, file.source).map((entry) => ({ ...entry, exported: entry.declared!, doc, viaStar: false }));
  const specifiers = statement["specifiers"] as AnyNode[];
  if (statement["source"]) {
    const target = importedExports(statement, file);
    return specifiers.flatMap((specifier) => renamed(target, nameOf(specifier["local"] as AnyNode), nameOf(specifier["exported"] as AnyNode)));
  }
  return specifiers.flatMap((specifier) => localExport(nameOf(specifier["local"] as AnyNode), nameOf(specifier["exported"] as AnyNode), file));
}

/** `export { name as exported }` of a name this file declares or imports. */
function localExport(name: string, exported: string, file: ParsedFile): ExportEntry[] {
  for (const statement of file.body) {
    if (statement.type === "ImportDeclaration") {
      const specifier = (statement["specifiers"] as AnyNode[]).find((item) => nameOf(item["local"] as AnyNode) === name);
      if (!specifier) continue;
      const target = importedExports(statement, file);
      if (specifier.type === "ImportNamespaceSpecifier") return [namespaceEntry(exported, target, undefined)];
      const imported = specifier.type === "ImportDefaultSpecifier" ? "default" : nameOf(specifier["imported"] as AnyNode);
      return renamed(target, imported, exported);
    }
    // `export function f() {}` declares f too, for a later `export { f as g }`.
    const declaration = statement.type === "ExportNamedDeclaration" ? (statement["declaration"] as AnyNode | null) : statement;
    if (!declaration) continue;
    const found = declarationEntries(declaration, file.source).find((entry) => entry.declared === name);
    if (found) return [{ ...found, exported, doc: jsDocBefore(statement.start, file), viaStar: false }];
  }
  return [];
}

/** The exports of the file an import or re-export statement names; none when it is not among the files. */
function importedExports(statement: AnyNode, file: ParsedFile): ExportEntry[] {
  const target = javaScriptModuleFile(String((statement["source"] as AnyNode)["value"]), file.path, file.walk.files);
  return target === undefined ? [] : exportsOf(target, file.walk);
}

/** The export `name` among `entries`, under the name `exported`. */
function renamed(entries: readonly ExportEntry[], name: string, exported: string): ExportEntry[] {
  const found = entries.find((entry) => entry.exported === name);
  return found ? [{ ...found, exported, viaStar: false }] : [];
}

function namespaceEntry(exported: string, members: readonly ExportEntry[], doc: string | undefined): ExportEntry {
  return { exported, declared: exported, kind: "value", signature: "", doc, viaStar: false, members: members.map((entry) => ({ name: entry.exported, kind: entry.kind })) };
}

/** A file's own exports win over the same name from `export *`; of two stars, the first. */
function withoutShadowedStarExports(entries: readonly ExportEntry[]): ExportEntry[] {
  const own = new Set(entries.filter((entry) => !entry.viaStar).map((entry) => entry.exported));
  const listed = new Set<string>();
  return entries.filter((entry) => {
    if ((entry.viaStar && own.has(entry.exported)) || listed.has(entry.exported)) return false;
    listed.add(entry.exported);
    return true;
  });
}

type Described = Pick<ExportEntry, "declared" | "kind" | "signature">;

/** Each name a declaration binds: a function, a class, or every variable (destructured ones too). */
function declarationEntries(declaration: AnyNode, source: string): Described[] {
  if (declaration.type !== "VariableDeclaration") {
    const described = declaration.type === "FunctionDeclaration" || declaration.type === "ClassDeclaration" ? describeValue(declaration, source) : undefined;
    return described ? [described] : [];
  }
  const keyword = declaration["kind"] as string;
  return (declaration["declarations"] as AnyNode[]).flatMap((declarator) => {
    const id = declarator["id"] as AnyNode;
    const init = declarator["init"] as AnyNode | null;
    const fn = id.type === "Identifier" && init && (init.type === "ArrowFunctionExpression" || init.type === "FunctionExpression") ? init : undefined;
    return boundNames(id).map((name) => ({
      declared: name,
      kind: fn ? ("function" as const) : ("value" as const),
      signature: !fn ? `${keyword} ${name}` : fn.type === "FunctionExpression" ? `${keyword} ${name} = ${signature(fn, source)}` : `${keyword} ${name} = ${fn["async"] ? "async " : ""}${parameters(fn, source)} =>`,
    }));
  });
}

/** The names a binding pattern declares: `a` in `const a`, `a` and `c` in `const { a, b: [c] }`. */
function boundNames(pattern: AnyNode | null): string[] {
  if (!pattern) return [];
  switch (pattern.type) {
    case "Identifier":
      return [pattern["name"] as string];
    case "ObjectPattern":
      return (pattern["properties"] as AnyNode[]).flatMap((property) => boundNames((property.type === "RestElement" ? property["argument"] : property["value"]) as AnyNode));
    case "ArrayPattern":
      return (pattern["elements"] as (AnyNode | null)[]).flatMap(boundNames);
    case "AssignmentPattern":
      return boundNames(pattern["left"] as AnyNode);
    case "RestElement":
      return boundNames(pattern["argument"] as AnyNode);
    default:
      return [];
  }
}

/** A function or class, declared or as an expression; undefined for any other value. */
function describeValue(node: AnyNode, source: string): Described | undefined {
  const id = node["id"] as AnyNode | null | undefined;
  const declared = id ? (id["name"] as string) : undefined;
  switch (node.type) {
    case "FunctionDeclaration":
    case "FunctionExpression":
    case "ArrowFunctionExpression":
      return { declared, kind: "function", signature: signature(node, source) };
    case "ClassDeclaration":
    case "ClassExpression":
      return { declared, kind: "class", signature: classOutline(node, source) };
    default:
      return undefined;
  }
}

function render(entry: ExportEntry): string {
  const text = entry.members ? namespaceLine(entry.exported, entry.members) : `${entry.signature}${exportNote(entry)}`;
  return entry.doc ? `${entry.doc}\n${text}` : text;
}

/** Says how to import an export whose name is not the one its signature shows. */
function exportNote(entry: ExportEntry): string {
  if (entry.exported === "default") return " // the default export: import name from ...";
  if (entry.declared === entry.exported) return "";
  return isIdentifier(entry.exported) ? ` // exported as ${entry.exported}` : ` // exported as ${importClause(entry.exported, entry.declared ?? "name")}`;
}

/** `const words // a namespace: import { words } from ...; words.count(...), new words.Report(...)`. */
function namespaceLine(exported: string, members: NonNullable<ExportEntry["members"]>): string {
  const local = exported !== "default" && isIdentifier(exported) ? exported : "namespace";
  const uses = members.slice(0, MAX_NAMESPACE_MEMBERS).map(({ name, kind }) => {
    const member = isIdentifier(name) ? `${local}.${name}` : `${local}[${JSON.stringify(name)}]`;
    return kind === "function" ? `${member}(...)` : kind === "class" ? `new ${member}(...)` : member;
  });
  if (members.length > MAX_NAMESPACE_MEMBERS) uses.push("...");
  const listed = uses.length > 0 ? `; ${uses.join(", ")}` : "";
  return `const ${local} // a namespace of another file's exports: ${importClause(exported, local)} from ...${listed}`;
}

function importClause(exported: string, local: string): string {
  if (exported === "default") return `import ${local}`;
  return isIdentifier(exported) && exported === local ? `import { ${local} }` : `import { ${JSON.stringify(exported)} as ${local} }`;
}

function isIdentifier(name: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(name);
}

/** An identifier's name, or a string literal's text (`export { a as "b c" }`). */
function nameOf(node: AnyNode): string {
  return node.type === "Identifier" ? (node["name"] as string) : String(node["value"]);
}

function signature(fn: AnyNode, source: string): string {
  const id = fn["id"] as AnyNode | null | undefined;
  const prefix = `${fn["async"] ? "async " : ""}function${fn["generator"] ? "*" : ""} ${id ? (id["name"] as string) : ""}`;
  return `${prefix}${parameters(fn, source)}`;
}

/** The parameter list as written, on one line, bounded. */
function parameters(fn: AnyNode, source: string): string {
  const params = fn["params"] as AnyNode[];
  if (params.length === 0) return "()";
  const text = source.slice(params[0]!.start, params[params.length - 1]!.end).replace(/\s*\n\s*/g, " ");
  return `(${text.length > MAX_SIGNATURE_CHARS ? `${text.slice(0, MAX_SIGNATURE_CHARS)}...` : text})`;
}

/** `class Name { constructor(...); method(...) }` with its public methods. */
function classOutline(node: AnyNode, source: string): string {
  const id = node["id"] as AnyNode | null;
  const members = ((node["body"] as AnyNode)["body"] as AnyNode[]).flatMap((member) => {
    if (member.type !== "MethodDefinition" || member["computed"]) return [];
    const key = member["key"] as AnyNode;
    if (key.type === "PrivateIdentifier") return [];
    const name = key["name"] as string | undefined;
    if (name === undefined || name.startsWith("_")) return [];
    return [`${member["static"] ? "static " : ""}${name}${parameters(member["value"] as AnyNode, source)}`];
  });
  return `class ${id ? (id["name"] as string) : ""} { ${members.join("; ")} }`.replace("{  }", "{}");
}

/** The `/** ... *\/` comment that ends right before `start` (blank space between allowed). */
function jsDocBefore(start: number, file: ParsedFile): string | undefined {
  const comment = file.comments.findLast((item) => item.end <= start);
  if (!comment || comment.type !== "Block" || !comment.value.startsWith("*") || file.source.slice(comment.end, start).trim() !== "") return undefined;
  const text = `/*${comment.value}*/`.replace(/\n[ \t]+\*/g, "\n *");
  return text.length > MAX_DOC_CHARS ? `${text.slice(0, MAX_DOC_CHARS)}... */` : text;
}
