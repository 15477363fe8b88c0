import { readFileSync } from "node:fs";

import { PromptTemplateError } from "../errors.js";

/** The templates an agent's prompts are made from; each can be overridden per agent. */
export interface PromptTemplates {
  /** The system prompt. Variables: `tools`, `instructions`, and for code agents `authorized_imports`. */
  system: string;
  /** Asks for the first plan. Variables: `task`. */
  planningInitial: string;
  /** Asks for an updated plan. Variables: `task`, `remaining_steps`. */
  planningUpdate: string;
  /** Asks for a last answer when the steps ran out. Variables: `task`. */
  finalAnswer: string;
}

function readTemplate(name: string): string {
  return readFileSync(new URL(`./prompts/${name}.md`, import.meta.url), "utf8");
}

const cache = new Map<string, PromptTemplates>();

/** The built-in templates of a code agent writing `language` (files in `src/agents/prompts/`). */
export function defaultCodeAgentTemplates(language: "python" | "javascript" = "python"): PromptTemplates {
  let templates = cache.get(language);
  if (templates === undefined) {
    templates = {
      system: readTemplate(language === "python" ? "code-agent-system" : "code-agent-system-javascript"),
      planningInitial: readTemplate("planning-initial"),
      planningUpdate: readTemplate("planning-update"),
      finalAnswer: readTemplate("final-answer"),
    };
    cache.set(language, templates);
  }
  return templates;
}

/** The built-in templates of the tool-calling agent: its own system prompt, the shared others. */
export function defaultToolCallingAgentTemplates(): PromptTemplates {
  let templates = cache.get("tool-calling");
  if (templates === undefined) {
    templates = { ...defaultCodeAgentTemplates(), system: readTemplate("tool-calling-agent-system") };
    cache.set("tool-calling", templates);
  }
  return templates;
}

const VARIABLE = /\{\{\s*([a-zA-Z_][\w]*)\s*\}\}/g;

/**
 * Fills `{{name}}` placeholders. Strict: a placeholder without a value throws, so a typo in an
 * overridden template fails loudly instead of sending the model a prompt with a hole in it.
 */
export function renderTemplate(template: string, variables: Record<string, string | number>): string {
  return template.replace(VARIABLE, (_match, name: string) => {
    const value = variables[name];
    if (value === undefined) {
      const known = Object.keys(variables).join(", ") || "none";
      throw new PromptTemplateError(`The prompt template uses {{${name}}}, which is not provided. Variables available here: ${known}.`);
    }
    return String(value);
  });
}
