/**
 * The exported functions and classes of a user's JavaScript module, for the prompt: each one's
 * signature as written, under its JSDoc comment. Re-exports from the module's other files
 * (`export * from "./words.js"`) are followed, so a package's index lists what it really offers.
 */
import { parse, type Comment, type Node } from "acorn";

import { javaScriptModuleFile } from "../executors/sandbox-modules.js";

type AnyNode = Node & Record<string, unknown>;

const MAX_DOC_CHARS = 600;
const MAX_SIGNATURE_CHARS = 300;

/** The exports of the file `path` among `files` (path → source), one entry per export. */
export function outlineJavaScript(path: string, files: ReadonlyMap<string, string>, seen = new Set<string>()): string[] {
  const source = files.get(path);
  if (source === undefined || seen.has(path)) return [];
  seen.add(path);
  const comments: Comment[] = [];
  let program: AnyNode;
  try {
    program = parse(source, { ecmaVersion: "latest", sourceType: "module", onComment: comments }) as unknown as AnyNode;
  } catch {
    return []; // The sandbox reports the syntax error when it starts; the prompt just lists nothing.
  }
  const outline: string[] = [];
  const body = program["body"] as AnyNode[];
  for (const statement of body) {
    if (statement.type === "ExportNamedDeclaration" && !statement["declaration"] && !statement["source"]) {
      // `export { a, b as c }`: each named declaration of this file, under the name it is exported as.
      for (const specifier of statement["specifiers"] as AnyNode[]) {
        const local = (specifier["local"] as AnyNode)["name"] as string;
        const found = body.find((item) => declaresName(item, local));
        const described = found ? describeDeclaration(onlyDeclarator(found, local), source, false) : undefined;
        if (described === undefined) continue;
        const exported = (specifier["exported"] as AnyNode)["name"] as string | undefined;
        const renamed = exported !== undefined && exported !== local ? `${described} // exported as ${exported}` : described;
        const doc = jsDocBefore(found!.start, comments, source);
        outline.push(doc ? `${doc}\n${renamed}` : renamed);
      }
      continue;
    }
    if (statement.type === "ExportAllDeclaration" || (statement.type === "ExportNamedDeclaration" && statement["source"])) {
      const target = javaScriptModuleFile(String((statement["source"] as AnyNode)["value"]), path, files);
      if (target !== undefined) outline.push(...outlineJavaScript(target, files, seen));
      continue;
    }
    if (statement.type !== "ExportNamedDeclaration" && statement.type !== "ExportDefaultDeclaration") continue;
    const declaration = statement["declaration"] as AnyNode | null;
    const described = declaration ? describeDeclaration(declaration, source, statement.type === "ExportDefaultDeclaration") : undefined;
    if (described === undefined) continue;
    const doc = jsDocBefore(statement.start, comments, source);
    outline.push(doc ? `${doc}\n${described}` : described);
  }
  return outline;
}

function declaresName(statement: AnyNode, name: string): boolean {
  if (statement.type === "FunctionDeclaration" || statement.type === "ClassDeclaration") return ((statement["id"] as AnyNode)["name"] as string) === name;
  if (statement.type !== "VariableDeclaration") return false;
  return (statement["declarations"] as AnyNode[]).some((declarator) => ((declarator["id"] as AnyNode)["name"] as string | undefined) === name);
}

/** A variable declaration narrowed to the declarator of `name`; other declarations as they are. */
function onlyDeclarator(statement: AnyNode, name: string): AnyNode {
  if (statement.type !== "VariableDeclaration") return statement;
  const declarations = (statement["declarations"] as AnyNode[]).filter((declarator) => ((declarator["id"] as AnyNode)["name"] as string | undefined) === name);
  return { ...statement, declarations } as AnyNode;
}

/** `function name(params)`, `class Name`, or `const name = (params) =>` for an exported arrow function. */
function describeDeclaration(declaration: AnyNode, source: string, isDefault: boolean): string | undefined {
  const label = isDefault ? " // the default export: import name from ..." : "";
  switch (declaration.type) {
    case "FunctionDeclaration":
    case "FunctionExpression":
    case "ArrowFunctionExpression":
      return `${signature(declaration, source)}${label}`;
    case "ClassDeclaration":
    case "ClassExpression":
      return `${classOutline(declaration, source)}${label}`;
    case "VariableDeclaration": {
      const described = (declaration["declarations"] as AnyNode[]).flatMap((declarator) => {
        const init = declarator["init"] as AnyNode | null;
        const id = declarator["id"] as AnyNode;
        if (id.type !== "Identifier") return [];
        if (init && (init.type === "ArrowFunctionExpression" || init.type === "FunctionExpression")) return [`const ${id["name"] as string} = ${parameters(init, source)} =>`];
        return [`const ${id["name"] as string}`];
      });
      return described.length > 0 ? described.join("\n") : undefined;
    }
    default:
      return isDefault ? "default export (a value)" : undefined;
  }
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
function jsDocBefore(start: number, comments: readonly Comment[], source: string): string | undefined {
  const comment = comments.findLast((item) => item.end <= start);
  if (!comment || comment.type !== "Block" || !comment.value.startsWith("*") || source.slice(comment.end, start).trim() !== "") return undefined;
  const text = `/*${comment.value}*/`.replace(/\n[ \t]+\*/g, "\n *");
  return text.length > MAX_DOC_CHARS ? `${text.slice(0, MAX_DOC_CHARS)}... */` : text;
}
