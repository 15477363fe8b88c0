import { DEFAULT_AUTHORIZED_IMPORTS } from "../executors/executor.js";
import { renderPythonStub } from "../tools/python-stub.js";
import type { Tool } from "../tools/tool.js";
import { renderTemplate } from "./prompt-templates.js";
import { formatValue } from "./observation.js";
import { truncateMiddle } from "./truncate.js";

const FINAL_ANSWER_STUB = `def final_answer(answer: Any) -> None:
    """Ends the task with \`answer\` as its result."""`;

/** The system prompt of a Python code agent: tools as Python stubs, the imports, the rules. */
export function renderCodeAgentSystemPrompt(
  template: string,
  context: { tools: readonly Tool[]; authorizedImports: readonly string[] | undefined; instructions: string | undefined },
): string {
  const stubs = [...context.tools.map((tool) => renderPythonStub(tool)), FINAL_ANSWER_STUB].join("\n\n");
  const imports = context.authorizedImports ?? DEFAULT_AUTHORIZED_IMPORTS;
  const importList = imports.includes("*") ? "any module" : imports.join(", ");
  const instructions = context.instructions ? `\nMore instructions:\n${context.instructions}\n` : "";
  return renderTemplate(template, { tools: stubs, authorized_imports: importList, instructions }).trimEnd();
}

/** The note added to a task about the variables `additionalArgs` defined in the sandbox. */
export function describeAdditionalArgs(args: Record<string, unknown>): string {
  const lines = Object.entries(args).map(([name, value]) => `- ${name}: ${truncateMiddle(formatValue(value), 300)}`);
  return `These variables are already defined in your Python session; use them directly:\n${lines.join("\n")}`;
}
