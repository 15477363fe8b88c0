/**
 * Rewrites the model's JavaScript into one script QuickJS can run as a REPL step, keeping every
 * line where it was so error line numbers need no mapping:
 *
 * - the snippet runs inside `(async function __codeagent_main() { ... })()`, so top-level `await`
 *   works (QuickJS has no top-level await in scripts);
 * - top-level `let`/`const`/`class` and every `var` outside nested functions become assignments to
 *   global properties, so they persist to the next run and may be declared again there;
 * - top-level function declarations get a private binding name and are installed as globals at the
 *   start, so a later run that redefines a helper is seen by the functions that call it;
 * - the last top-level expression is returned, as the run's output, inside a record without a
 *   prototype (as is what a top-level `return` gives): the async function's promise is resolved
 *   with the record, so no `then` the code put on a prototype is looked up, and a promise the
 *   snippet ends with is awaited by the worker, not adopted through its replaceable `then`;
 * - every `catch` first rethrows the sandbox's own control signals (`final_answer`, interrupts), so
 *   a catch-all in the model's code cannot swallow them;
 * - `import { a as b } from "utils"` at the top level becomes `b = __codeagent.importName("utils", "a")`
 *   (a global, like the snippet's other top-level names), where it stands; `import(...)` goes to the
 *   sandbox's loader too. Only the user's modules can be loaded (module-transform.ts); for any
 *   other name the loader explains what the sandbox has.
 */
import { parse, type Program } from "acorn";

import type { CodeError } from "../executor.js";
import { describeSyntaxError } from "./syntax-error.js";
import { childNodes, isNode, type AnyNode } from "./syntax-tree.js";

/** The file name QuickJS gives the model's code in stack traces. */
export const CODE_FILE_NAME = "code";
/** The name of the function the snippet runs in; its stack frames are "top level". */
export const MAIN_FUNCTION_NAME = "__codeagent_main";
const HELPERS = "__codeagent";
const FUNCTION_PREFIX = "__codeagent_fn_";
const CAUGHT = "__codeagent_caught";
/** Around a value the snippet returns; the sandbox runtime reads `value` back as a data property. */
const RESULT_OPEN = "{ __proto__: null, value: (";
const RESULT_CLOSE = ") }";

/** The script to run, or the syntax error that means nothing runs. */
export type TransformResult = { ok: true; script: string } | { ok: false; error: CodeError };

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Turns the model's snippet into the script the sandbox runs (see the module comment). */
export function transformCode(code: string): TransformResult {
  let program: Program;
  try {
    program = parse(code, {
      ecmaVersion: "latest",
      sourceType: "script",
      allowAwaitOutsideFunction: true,
      allowReturnOutsideFunction: true,
      allowHashBang: true,
      // import declarations are parsed wherever they are; only the top level's are allowed, below.
      allowImportExportEverywhere: true,
      locations: true,
    });
  } catch (error) {
    return { ok: false, error: describeSyntaxError(error, code) };
  }
  const misplaced = misplacedModuleSyntax(program);
  if (misplaced !== undefined) return { ok: false, error: misplaced };
  try {
    return { ok: true, script: buildScript(code, program) };
  } catch (error) {
    if (error instanceof RangeError) {
      // Only a program nested deeper than the host's stack gets here; acorn parsed it, barely.
      return { ok: false, error: { type: "SyntaxError", message: "The code is nested too deeply to run; flatten it." } };
    }
    throw error;
  }
}

function buildScript(code: string, program: Program): string {
  const edits: Edit[] = [];
  const hoisted: string[] = [];
  const body = program.body as unknown as AnyNode[];
  // acorn reads a `#!` line as a comment; inside the wrapper QuickJS would not.
  if (code.startsWith("#!")) edits.push({ start: 0, end: code.search(/\n|$/), text: "" });
  for (const statement of body) {
    topLevelStatement(statement, edits, hoisted, code);
    visit(statement, "Program", edits, true, code);
  }

  const last = body[body.length - 1];
  if (last?.type === "ExpressionStatement") {
    // The statement's own range: the expression's would leave out parentheses around it.
    const end = code[last.end - 1] === ";" ? last.end - 1 : last.end;
    edits.push({ start: last.start, end: last.start, text: `return ${RESULT_OPEN}` });
    edits.push({ start: end, end, text: RESULT_CLOSE });
  }
  // The leading `;` ends the directive prologue: a "use strict" in the snippet must not make the
  // wrapper strict, or the assignments that replace declarations could not create globals.
  const prefix = `(async function ${MAIN_FUNCTION_NAME}() {;${hoisted.join("")}`;
  return `${prefix}${applyEdits(code, edits, 0, code.length)}\n})()`;
}

/** Classes and functions at the top level of the snippet: they must outlive the run. */
function topLevelStatement(statement: AnyNode, edits: Edit[], hoisted: string[], code: string): void {
  if (statement.type === "ClassDeclaration") {
    const id = statement["id"] as AnyNode;
    edits.push({ start: statement.start, end: statement.start, text: `;${nameOf(id)} = ` });
    edits.push({ start: statement.end, end: statement.end, text: ";" });
  } else if (statement.type === "ImportDeclaration") {
    edits.push({ start: statement.start, end: statement.end, text: importAssignments(statement, code) });
  } else if (statement.type === "FunctionDeclaration") {
    const id = statement["id"] as AnyNode;
    const name = nameOf(id);
    edits.push({ start: id.start, end: id.end, text: `${FUNCTION_PREFIX}${name}` });
    hoisted.push(`${HELPERS}.defineFunction(${JSON.stringify(name)}, ${FUNCTION_PREFIX}${name});`);
  }
}

/**
 * `import d, { a as b } from "m"` → `;d = __codeagent.importName("m", "default"), b = ...;`, and the
 * statement's line breaks after it, so no line moves. `import * as m` takes the whole namespace.
 */
function importAssignments(statement: AnyNode, code: string): string {
  const specifier = JSON.stringify((statement["source"] as AnyNode)["value"]);
  const assignments = (statement["specifiers"] as AnyNode[]).map((item) => {
    const local = nameOf(item["local"] as AnyNode);
    if (item.type === "ImportNamespaceSpecifier") return `${local} = ${HELPERS}.requireModule(${specifier})`;
    const imported = item.type === "ImportDefaultSpecifier" ? "default" : importedName(item["imported"] as AnyNode);
    return `${local} = ${HELPERS}.importName(${specifier}, ${JSON.stringify(imported)})`;
  });
  const statementText = assignments.length === 0 ? `${HELPERS}.requireModule(${specifier})` : assignments.join(", ");
  return `;${statementText};${code.slice(statement.start, statement.end).replace(/[^\n]/g, "")}`;
}

function importedName(node: AnyNode): string {
  return node.type === "Identifier" ? nameOf(node) : String(node["value"]);
}

/** An import declaration below the top level, or any export: the code's own syntax error. */
function misplacedModuleSyntax(program: Program): CodeError | undefined {
  for (const statement of program.body as unknown as AnyNode[]) {
    if (statement.type.startsWith("Export")) {
      return moduleSyntaxError("export has no use in your code: top-level functions and variables already stay for the next steps", statement);
    }
  }
  let nested: AnyNode | undefined;
  const find = (node: AnyNode, topLevel: boolean): void => {
    if (nested !== undefined) return;
    if (node.type === "ImportDeclaration" && !topLevel) nested = node;
    for (const child of childNodes(node)) find(child, false);
  };
  for (const statement of program.body as unknown as AnyNode[]) find(statement, true);
  return nested === undefined ? undefined : moduleSyntaxError("an import declaration must be at the top level of the code; inside a block, use require(\"name\")", nested);
}

function moduleSyntaxError(reason: string, node: AnyNode): CodeError {
  const line = (node["loc"] as { start: { line: number } }).start.line;
  return { type: "SyntaxError", message: `${reason} (line ${line})` };
}

/** Where a declaration sits decides what may replace its keyword. */
type DeclarationPlace = "statement" | "for-head" | "clause";

const STATEMENT_LISTS = new Set(["Program", "BlockStatement", "SwitchCase", "StaticBlock"]);

/**
 * Walks every node: declarations of the snippet's own scope become assignments, `catch` clauses
 * rethrow control signals, `import()` is redirected. `varScope` is false inside nested functions.
 */
function visit(node: AnyNode, parent: string, edits: Edit[], varScope: boolean, code: string): void {
  switch (node.type) {
    case "FunctionDeclaration":
    case "FunctionExpression":
    case "ArrowFunctionExpression":
    case "StaticBlock":
      varScope = false;
      break;
    case "CatchClause":
      catchClause(node, edits, code);
      break;
    case "ImportExpression":
      edits.push({ start: node.start, end: node.start + "import".length, text: `${HELPERS}.importModule` });
      break;
    case "ReturnStatement": {
      // A `return` of the snippet's own (not of a function inside it) ends the run with its value.
      const argument = node["argument"] as AnyNode | null;
      if (varScope && argument !== null) {
        edits.push({ start: argument.start, end: argument.start, text: RESULT_OPEN });
        edits.push({ start: argument.end, end: argument.end, text: RESULT_CLOSE });
      }
      break;
    }
    case "VariableDeclaration": {
      // Top-level let/const/var persist; so does var anywhere in the snippet's own scope (inside
      // if, for, try, ...), as in a real script. Block-level let/const stay block-scoped.
      const kind = node["kind"];
      const topLevel = parent === "Program" && (kind === "let" || kind === "const" || kind === "var");
      if (topLevel || (varScope && kind === "var")) {
        const place = parent === "ForIn.left" || parent === "ForOf.left" ? "for-head" : STATEMENT_LISTS.has(parent) ? "statement" : "clause";
        declarationToAssignment(node, edits, place);
      }
      break;
    }
  }
  for (const key of Object.keys(node)) {
    if (key === "type" || key === "start" || key === "end") continue;
    const child = node[key];
    if (Array.isArray(child)) {
      for (const item of child) if (isNode(item)) visit(item, node.type, edits, varScope, code);
    } else if (isNode(child)) {
      visit(child, childPlace(node.type, key), edits, varScope, code);
    }
  }
}

/** A `for...in`/`for...of` head is told apart from the loop's body. */
function childPlace(type: string, key: string): string {
  if (key === "left" && type === "ForInStatement") return "ForIn.left";
  if (key === "left" && type === "ForOfStatement") return "ForOf.left";
  return type;
}

/**
 * `const a = 1, { b } = o;` becomes `;a = 1, ({ b } = o);`. The `;` guards against the previous
 * line running on into a statement that now starts with `(` or `[`; it is only added where a
 * statement may start. In a `for` head the pattern stays bare and a missing initialiser stays
 * missing (`for (var k in o)`).
 */
function declarationToAssignment(declaration: AnyNode, edits: Edit[], place: DeclarationPlace): void {
  const kind = declaration["kind"] as string;
  edits.push({ start: declaration.start, end: declaration.start + kind.length, text: place === "statement" ? ";" : "" });
  for (const declarator of declaration["declarations"] as AnyNode[]) {
    const id = declarator["id"] as AnyNode;
    if (place === "for-head") continue;
    if (id.type === "ObjectPattern") {
      edits.push({ start: declarator.start, end: declarator.start, text: "(" });
      edits.push({ start: declarator.end, end: declarator.end, text: ")" });
    }
    if (declarator["init"] === null) edits.push({ start: id.end, end: id.end, text: " = void 0" });
  }
}

/**
 * `catch (e) {` becomes `catch (e) {__codeagent.rethrow(e);`; a pattern or a missing parameter
 * gets a private name first, destructured after the check.
 */
function catchClause(node: AnyNode, edits: Edit[], code: string): void {
  const param = node["param"] as AnyNode | null | undefined;
  const body = node["body"] as AnyNode;
  const check = `${HELPERS}.rethrow(${param?.type === "Identifier" ? nameOf(param) : CAUGHT});`;
  if (param === null || param === undefined) {
    edits.push({ start: body.start, end: body.start, text: `(${CAUGHT}) ` });
    edits.push({ start: body.start + 1, end: body.start + 1, text: check });
    return;
  }
  if (param.type === "Identifier") {
    edits.push({ start: body.start + 1, end: body.start + 1, text: check });
    return;
  }
  // The pattern moves into the body; edits inside it (a nested catch in a default value) move too.
  const inner: Edit[] = [];
  visit(param, "CatchClause", inner, false, code);
  node["param"] = null; // so the generic walk does not visit it a second time
  const pattern = applyEdits(code, inner, param.start, param.end);
  edits.push({ start: param.start, end: param.end, text: CAUGHT });
  edits.push({ start: body.start + 1, end: body.start + 1, text: `${check}let ${pattern} = ${CAUGHT};` });
}

function nameOf(identifier: AnyNode): string {
  return identifier["name"] as string;
}

/** Applies non-overlapping edits inside `code[from, to)`; insertions at one position keep their order. */
function applyEdits(code: string, edits: Edit[], from: number, to: number): string {
  const sorted = edits
    .map((edit, index) => ({ edit, index }))
    .filter(({ edit }) => edit.start >= from && edit.end <= to)
    .sort((a, b) => a.edit.start - b.edit.start || a.edit.end - b.edit.end || a.index - b.index)
    .map(({ edit }) => edit);
  let text = "";
  let cursor = from;
  for (const edit of sorted) {
    if (edit.start < cursor) continue; // inside a range another edit replaced
    text += code.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return text + code.slice(cursor, to);
}
