/**
 * The built-in tools by name: what `--tools web_search` and a saved agent's `"tools"` refer to.
 * Each name makes a fresh tool, so two agents never share one's state.
 */
import type { Tool } from "../tool.js";
import { userInputTool } from "./user-input.js";
import { visitWebpageTool } from "./visit-webpage.js";
import { providerFromEnvironment } from "./web-search/providers.js";
import { webSearchTool } from "./web-search/web-search-tool.js";
import { wikipediaSearchTool } from "./wikipedia-search.js";

const BUILT_IN: Readonly<Record<string, () => Tool>> = {
  visit_webpage: () => visitWebpageTool() as unknown as Tool,
  // The first provider whose key is in the environment, else DuckDuckGo, which needs none.
  web_search: () => webSearchTool({ provider: providerFromEnvironment(process.env) }) as unknown as Tool,
  wikipedia_search: () => wikipediaSearchTool() as unknown as Tool,
  user_input: () => userInputTool() as unknown as Tool,
};

/** The names of the built-in tools. */
export function builtInToolNames(): string[] {
  return Object.keys(BUILT_IN);
}

/** A new built-in tool named `name`, or undefined when no built-in tool has that name. */
export function builtInTool(name: string): Tool | undefined {
  return Object.hasOwn(BUILT_IN, name) ? BUILT_IN[name]!() : undefined;
}
