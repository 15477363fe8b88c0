import type { ExecutorLanguage } from "../executors/executor.js";
import { DEFAULT_AUTHORIZED_IMPORTS } from "../executors/executor.js";
import { renderJavaScriptStub } from "../tools/javascript-stub.js";
import { renderPythonStub } from "../tools/python-stub.js";
import type { Tool } from "../tools/tool.js";
import { renderTemplate } from "./prompt-templates.js";
import { formatValue } from "./observation.js";
import { truncateMiddle } from "./truncate.js";
import type { SandboxModule } from "../executors/sandbox-modules.js";
import { describeModules } from "./module-outline.js";

const FINAL_ANSWER_STUB: Record<ExecutorLanguage, string> = {
  python: `def final_answer(answer: Any) -> None:
    """Ends the task with \`answer\` as its result."""`,
  javascript: `/**
 * Ends the task with \`answer\` as its result.
 * @param {any} answer
 */
function final_answer(answer) {}`,
};

/** What the system prompt of a code agent is made from. */
export interface CodeAgentPromptContext {
  language: ExecutorLanguage;
  tools: readonly Tool[];
  authorizedImports: readonly string[] | undefined;
  instructions: string | undefined;
  /** What the sandbox cannot do, when it is a restricted one (Monty). */
  sandboxNotes?: string | undefined;
  /** The user's helper modules the code may import: listed after the tools, and allowed. */
  modules?: readonly SandboxModule[];
}

/** The system prompt of a code agent: tools as stubs in its language, the imports, the rules. */
export function renderCodeAgentSystemPrompt(template: string, context: CodeAgentPromptContext): string {
  const render = context.language === "python" ? renderPythonStub : renderJavaScriptStub;
  const modules = context.modules ?? [];
  const stubs = [...context.tools.map((tool) => render(tool)), FINAL_ANSWER_STUB[context.language], describeModules(modules, context.language)].filter(Boolean).join("\n\n");
  const importList = context.language === "python" ? pythonImports(context.authorizedImports, modules) : javaScriptImports(modules);
  const notes = [context.sandboxNotes, context.instructions ? `More instructions:\n${context.instructions}` : undefined].filter(Boolean);
  const instructions = notes.length > 0 ? `\n${notes.join("\n\n")}\n` : "";
  return renderTemplate(template, { tools: stubs, authorized_imports: importList, instructions }).trimEnd();
}

function pythonImports(authorized: readonly string[] | undefined, modules: readonly SandboxModule[]): string {
  const imports = [...(authorized ?? DEFAULT_AUTHORIZED_IMPORTS), ...modules.map((module) => module.name)];
  return imports.includes("*") ? "any module" : imports.join(", ");
}

/** The JavaScript sandbox has no modules but the user's own. */
function javaScriptImports(modules: readonly SandboxModule[]): string {
  if (modules.length === 0) return "none (no import, no require)";
  const names = modules.map((module) => module.name);
  return `only the helper modules listed above (${names.join(", ")}), as import { name } from "${names[0]}"; nothing else can be imported`;
}

/** The note added to a task about the variables `additionalArgs` defined in the sandbox. */
export function describeAdditionalArgs(args: Record<string, unknown>, language: ExecutorLanguage = "python"): string {
  const lines = Object.entries(args).map(([name, value]) => `- ${name}: ${truncateMiddle(formatValue(value), 300)}`);
  const session = language === "python" ? "Python" : "JavaScript";
  return `These variables are already defined in your ${session} session; use them directly:\n${lines.join("\n")}`;
}
