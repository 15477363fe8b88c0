/**
 * `codeagent/testing`: what tests of agents and sandboxes need, with no test framework.
 * `ScriptedModel` replays fixed assistant replies, `ScriptedExecutor` answers runs from a script
 * (agent loops with no sandbox), `linkedChannels` joins a host and a played sandbox in memory. The
 * executor contract suite, which needs Vitest, is at `codeagent/testing/contract`.
 */
export { ScriptedModel, estimateTokens } from "../models/scripted-model.js";
export type { ScriptedModelOptions } from "../models/scripted-model.js";
export { ScriptedExecutor } from "../executors/scripted-executor.js";
export type { ScriptedExecutorOptions, ScriptedRun } from "../executors/scripted-executor.js";
export { linkedChannels } from "../executors/channel/linked-channels.js";
