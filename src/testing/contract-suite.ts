/**
 * `codeagent/testing/contract`: the executor contract suite every built-in sandbox passes, for a
 * sandbox of your own. `executorContract(...)` registers it as Vitest tests (Vitest is an optional
 * peer dependency, needed only here); the language profiles hold the code it runs per language.
 */
export { executorContract } from "./executor-contract.js";
export type { ExecutorUnderTest } from "./executor-contract.js";
export { pythonProfile } from "./contract/python-profile.js";
export { javascriptProfile } from "./contract/javascript-profile.js";
export type { Behaviour, FailingSnippet, LanguageProfile } from "./contract/language-profile.js";
