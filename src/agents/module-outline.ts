/**
 * What the model is told about the user's helper modules: each public function (and class) with
 * its signature and docstring (JSDoc in JavaScript), read from the source on the host, shown in the prompt like the
 * tools. Reading the source needs no sandbox, so the prompt is ready before any sandbox starts.
 */
import { parsePython, type SyntaxNode } from "../executors/monty/python-syntax.js";
import type { ExecutorLanguage } from "../executors/executor.js";
import type { SandboxModule } from "../executors/sandbox-modules.js";
import { outlineJavaScript } from "./module-outline-javascript.js";

/** The longest docstring shown per function; the rest is for whoever reads the file. */
const MAX_DOC_CHARS = 600;

/** The prompt's listing of `modules` (empty when there are none). */
export function describeModules(modules: readonly SandboxModule[], language: ExecutorLanguage = "python"): string {
  if (modules.length === 0) return "";
  // A JavaScript module may import or re-export another by its name, so each outline may read every module's files, as the sandbox does.
  const javaScriptFiles = new Map(modules.flatMap((module) => module.files.map((file) => [file.path, file.source] as const)));
  const sections = modules.map((module) => (language === "python" ? pythonSection(module) : javaScriptSection(module, javaScriptFiles)));
  return `${language === "python" ? "# " : "// "}Helper modules written by the user, importable in your code:\n\n${sections.join("\n\n")}`;
}

function pythonSection(module: SandboxModule): string {
  const entry = module.files.find((file) => file.path === `${module.name}.py` || file.path === `${module.name}/__init__.py`);
  const outline = entry ? outlinePython(entry.source) : [];
  const listed = outline.length > 0 ? outline.join("\n\n") : "# (no public functions found at its top level)";
  return `# module ${module.name}: from ${module.name} import ...\n${listed}`;
}

function javaScriptSection(module: SandboxModule, files: ReadonlyMap<string, string>): string {
  const entry = [`${module.name}.js`, `${module.name}/index.js`].find((path) => files.has(path));
  const outline = entry ? outlineJavaScript(entry, files) : [];
  const listed = outline.length > 0 ? outline.join("\n\n") : "// (no exported functions found)";
  return `// module ${module.name}: import { ... } from "${module.name}"\n${listed}`;
}

/** The public functions and classes at the top level of `source`, as `def` lines with docstrings. */
export function outlinePython(source: string): string[] {
  const outline: string[] = [];
  const cursor = parsePython(source).topNode.cursor();
  if (!cursor.firstChild()) return outline;
  do {
    const definition = cursor.name === "DecoratedStatement" ? lastChild(cursor.node) : cursor.node;
    if (definition && (definition.name === "FunctionDefinition" || definition.name === "ClassDefinition")) {
      const described = describeDefinition(definition, source);
      if (described) outline.push(described);
    }
  } while (cursor.nextSibling());
  return outline;
}

function describeDefinition(node: SyntaxNode, source: string): string | undefined {
  const name = node.getChild("VariableName");
  if (name === null) return undefined;
  const text = source.slice(name.from, name.to);
  if (text.startsWith("_")) return undefined;
  const body = node.getChild("Body");
  const head = source.slice(node.from, body ? body.from : node.to).replace(/\s*\n\s*/g, " ").trim();
  const doc = body ? docstring(body, source) : undefined;
  return doc ? `${head}:\n    """${doc}"""` : `${head}: ...`;
}

/** The first statement of a body, when it is a string: its text, trimmed and bounded. */
function docstring(body: SyntaxNode, source: string): string | undefined {
  const first = body.getChild("ExpressionStatement");
  const literal = first?.firstChild;
  if (!first || !literal || literal.name !== "String" || first.from !== firstStatementStart(body)) return undefined;
  const raw = source.slice(literal.from, literal.to).replace(/^[rRuU]?("""|'''|"|')/, "").replace(/("""|'''|"|')$/, "");
  const text = raw.replace(/\n[ \t]+/g, "\n    ").trim().replaceAll('"""', "'''");
  return text.length > MAX_DOC_CHARS ? `${text.slice(0, MAX_DOC_CHARS)}...` : text;
}

function firstStatementStart(body: SyntaxNode): number {
  let child = body.firstChild;
  while (child && child.name === ":") child = child.nextSibling;
  return child ? child.from : -1;
}

function lastChild(node: SyntaxNode): SyntaxNode | null {
  return node.lastChild;
}
