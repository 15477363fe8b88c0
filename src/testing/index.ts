/**
 * `codeagent/testing`: what tests of agents and sandboxes need. `ScriptedModel` replays fixed
 * assistant replies, `ScriptedExecutor` answers runs from a script (agent loops with no sandbox),
 * `linkedChannels` joins a host and a played sandbox in memory, and `executorContract` registers
 * the shared executor contract suite for a sandbox of your own. The suite runs under Vitest,
 * an optional peer dependency needed only here.
 */
export { ScriptedModel, estimateTokens } from "../models/scripted-model.js";
export type { ScriptedModelOptions } from "../models/scripted-model.js";
export { ScriptedExecutor } from "../executors/scripted-executor.js";
export type { ScriptedExecutorOptions, ScriptedRun } from "../executors/scripted-executor.js";
export { linkedChannels } from "../executors/channel/linked-channels.js";
export { executorContract } from "./executor-contract.js";
export type { ExecutorUnderTest } from "./executor-contract.js";
export { pythonProfile } from "./contract/python-profile.js";
export { javascriptProfile } from "./contract/javascript-profile.js";
export type { Behaviour, FailingSnippet, LanguageProfile } from "./contract/language-profile.js";
