/**
 * codeagent: code agents for TypeScript. The model writes code, a sandbox runs it, and your
 * zod-typed tools are plain functions inside the sandbox.
 */
export {
  AgentConfigurationError,
  AgentError,
  MissingCredentialsError,
  MissingPackageError,
  ModelCallError,
  PromptTemplateError,
  SandboxClosedError,
  SandboxError,
  SandboxMemoryError,
  SandboxModuleError,
  SandboxPackageError,
  type SandboxPackageProblem,
  ScriptExhaustedError,
  ToolArgumentError,
  ToolDefinitionError,
  ToolExecutionError,
} from "./errors.js";
export * from "./tools/index.js";

export type { CodeError, CodeOutput, ExecutedToolCall, Executor, ExecutorLanguage, ExecutorOptions, RunOptions } from "./executors/executor.js";
export { DEFAULT_AUTHORIZED_IMPORTS, EXECUTOR_DEFAULTS } from "./executors/executor.js";
export { PyodideExecutor } from "./executors/pyodide/pyodide-executor.js";
export type { ModuleSource, ModulesOption, SandboxModule, SandboxModuleFile } from "./executors/sandbox-modules.js";
export { QuickJsExecutor } from "./executors/quickjs/quickjs-executor.js";
export type { QuickJsExecutorOptions } from "./executors/quickjs/quickjs-executor.js";
export type { PyodideExecutorOptions, PyodideIsolation } from "./executors/pyodide/pyodide-executor.js";

export type {
  ChatMessage,
  ChatMessageStreamDelta,
  ContentPart,
  GenerateOptions,
  ImagePart,
  Model,
  ModelToolCall,
  ModelToolSpec,
  ResponseFormat,
  Role,
  TextPart,
  TokenUsage,
} from "./models/model.js";
export { applyStopSequences, messageText } from "./models/model.js";
export { ScriptedModel, estimateTokens } from "./models/scripted-model.js";
export { ScriptedExecutor } from "./executors/scripted-executor.js";
export { executorNames, findExecutor, registerExecutor } from "./executors/registry.js";
export { ChannelExecutor } from "./executors/channel/channel-executor.js";
export type { ChannelExecutorOptions, SandboxLauncher, SandboxLimits } from "./executors/channel/channel-executor.js";
export type { ChannelEnd, SandboxChannel } from "./executors/channel/sandbox-channel.js";
export type { SandboxConnection, ToolCallHandler } from "./executors/channel/sandbox-connection.js";
export type { HostRequest, ResultLimits, SandboxRunResult, SandboxToolCall } from "./executors/channel/bridge-protocol.js";
export { LineChannel } from "./executors/channel/line-channel.js";
export type { LineTransport } from "./executors/channel/line-channel.js";
export { linkedChannels } from "./executors/channel/linked-channels.js";
export { pythonRuntimeArgv, pythonRuntimeHello } from "./executors/cpython/python-command.js";
export type { ExecutorRegistration } from "./executors/registry.js";
export type { ScriptedExecutorOptions, ScriptedRun } from "./executors/scripted-executor.js";
export { OpenAIModel } from "./models/openai/openai-model.js";
export type { OpenAIAzureOptions, OpenAIModelOptions } from "./models/openai/openai-model.js";
export type { ApiModelOptions } from "./models/api-model-options.js";
export { modelFromString, modelProviders, registerModelProvider } from "./models/model-string.js";
export type { ModelFromStringOptions, ModelProvider } from "./models/model-string.js";
export { LazyModel } from "./models/lazy-model.js";
export { AnthropicModel } from "./models/anthropic/anthropic-model.js";
export type { AnthropicModelOptions, AnthropicThinkingOptions } from "./models/anthropic/anthropic-model.js";
export { AiSdkModel, type AiSdkModelOptions } from "./models/ai-sdk/ai-sdk-model.js";
export { aiSdkModelFromString, AI_SDK_MODEL_PREFIX, type AiSdkModelStringOptions } from "./models/ai-sdk/ai-sdk-model-string.js";
export type { AiSdkLanguageModel } from "./models/ai-sdk/language-model-spec.js";
export { HfInferenceModel } from "./models/huggingface/hf-inference-model.js";
export type { HfInferenceModelOptions } from "./models/huggingface/hf-inference-model.js";
export { HF_INFERENCE_PROVIDERS, parseHfModelString } from "./models/huggingface/hf-model-string.js";
export type { HfModelReference } from "./models/huggingface/hf-model-string.js";
export { knownContextWindow } from "./models/context-windows.js";
export { StopSequenceFilter } from "./models/stop-sequence-filter.js";
export { visitWebpageTool } from "./tools/builtin/visit-webpage.js";
export { image } from "./tools/image.js";
export type { VisitWebpageOptions } from "./tools/builtin/visit-webpage.js";
export { webSearchTool } from "./tools/builtin/web-search/web-search-tool.js";
export type { WebSearchOptions } from "./tools/builtin/web-search/web-search-tool.js";
export { providerFromEnvironment, PROVIDER_NAMES } from "./tools/builtin/web-search/providers.js";
export type { WebSearchProviderName } from "./tools/builtin/web-search/providers.js";
export type { SearchResult } from "./tools/builtin/web-search/search-result.js";
export { WebSearchError } from "./tools/builtin/web-search/web-search-error.js";
export type { SearchFailureReason } from "./tools/builtin/web-search/web-search-error.js";
export { wikipediaSearchTool } from "./tools/builtin/wikipedia-search.js";
export type { WikipediaSearchOptions } from "./tools/builtin/wikipedia-search.js";
export { userInputTool } from "./tools/builtin/user-input.js";
export type { UserInputOptions } from "./tools/builtin/user-input.js";

export { McpClient, connectMcpServers, type McpServerSpec, type McpStdioServerSpec, type McpHttpServerSpec, type McpCommonOptions } from "./mcp/mcp-client.js";
export { McpServerError, McpConnectionError, McpServerGoneError, McpToolNameClashError } from "./mcp/mcp-errors.js";
export { withMcpServers } from "./mcp/with-mcp-servers.js";
export { codeagentMcpServer, type CodeagentMcpServer, type CodeagentMcpServerOptions, type CodeagentMcpSession } from "./mcp/server/codeagent-mcp-server.js";
export { serveOverStdio, serveOverHttp, type HttpListenOptions } from "./mcp/server/serve.js";
export type { ScriptedModelOptions } from "./models/scripted-model.js";

export { MultiStepAgent } from "./agents/multi-step-agent.js";
export type { AgentOptions, AgentRunOptions, ResumeOptions } from "./agents/multi-step-agent.js";
export type { InterceptedToolCall, ToolCallInterceptor } from "./agents/tool-interceptor.js";
export { CodeAgent } from "./agents/code-agent.js";
export type { CodeAgentOptions } from "./agents/code-agent.js";
export { ToolCallingAgent } from "./agents/tool-calling-agent.js";
export type { ToolCallingAgentOptions } from "./agents/tool-calling-agent.js";
export { parseTextToolCalls } from "./agents/parse-tool-calls.js";
export { AgentMemory } from "./agents/agent-memory.js";
export type { ReplayOptions, SerializedMemory } from "./agents/agent-memory.js";
export type * from "./agents/events.js";
export type { ActionStep, FinalAnswerStep, MemoryStep, PlanningStep, StepTiming, TaskStep, ToolCallRecord } from "./agents/memory-steps.js";
export type { ManagedRun, RunResult, RunState } from "./agents/run-result.js";
export type { ApprovalRequest, OnApproval } from "./agents/approval.js";
export { ApprovalRefusedError } from "./agents/approval.js";
export { terminalApproval } from "./cli/approval-prompt.js";
export type { TerminalApprovalOptions } from "./cli/approval-prompt.js";
export type { FinalAnswerCheck } from "./agents/final-answer-checks.js";
export type { StepCallback, StepCallbacks } from "./agents/step-callbacks.js";
export type { PromptTemplates } from "./agents/prompt-templates.js";
export { DEFAULT_CODE_BLOCK_TAGS, parseCode } from "./agents/parse-code.js";
export type { CodeBlockTags } from "./agents/parse-code.js";
export { instrumentAgent, codeagentTracer } from "./telemetry/instrument-agent.js";
export type { InstrumentAgentOptions } from "./telemetry/instrument-agent.js";
export type { RunListener } from "./agents/multi-step-agent.js";
export { AGENT_FILE, AGENT_FILE_VERSION, agentFileSchema, readAgentFile, SavedAgentError, type AgentFile } from "./agents/agent-file.js";
export type { LoadAgentOptions } from "./agents/load-agent.js";
export type { SaveAgentOptions } from "./agents/save-agent.js";
export { builtInTool, builtInToolNames } from "./tools/builtin/built-in-tools.js";
