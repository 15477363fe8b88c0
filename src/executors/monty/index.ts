/**
 * `codeagent/monty`: the Monty sandbox, a fast Python subset (Pydantic's Monty, a native addon).
 * Its own entry point, so importing `codeagent` never loads the addon.
 */
export { MontyExecutor } from "./monty-executor.js";
export { MONTY_PROMPT_NOTES } from "./prompt-notes.js";
