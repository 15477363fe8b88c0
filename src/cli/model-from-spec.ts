import type { Model } from "../models/model.js";
import { OpenAIModel } from "../models/openai/openai-model.js";
import { UsageError, type ModelSettings } from "./cli-arguments.js";

/**
 * The model named on the command line (`provider:model-id`) with the settings its flags give, or
 * a {@link UsageError} that says what to set when its credentials are missing.
 */
export function modelFromSpec(settings: ModelSettings, env: NodeJS.ProcessEnv): Model {
  const spec = settings.spec;
  const separator = spec.indexOf(":");
  const provider = separator < 0 ? "openai" : spec.slice(0, separator);
  const modelId = separator < 0 ? spec : spec.slice(separator + 1);
  if (!modelId) throw new UsageError(`--model needs a model id after the provider, e.g. openai:gpt-4o-mini (got '${spec}').`);
  switch (provider) {
    case "openai": {
      const baseURL = settings.baseURL ?? env["OPENAI_BASE_URL"];
      const apiKey = env["OPENAI_API_KEY"];
      if (!apiKey && !baseURL) {
        throw new UsageError(
          "No OpenAI credentials: set the OPENAI_API_KEY environment variable, e.g.\n" +
            "  export OPENAI_API_KEY=sk-...\n" +
            "or point at a local OpenAI-compatible server (vLLM, Ollama, llama.cpp, LiteLLM):\n" +
            `  codeagent "your task" --model openai:${modelId} --base-url http://localhost:11434/v1`,
        );
      }
      return new OpenAIModel({
        modelId,
        supportsStop: settings.supportsStop,
        ...(baseURL ? { baseURL } : {}),
        ...(apiKey ? { apiKey } : {}),
        ...(settings.requestTimeoutMs === undefined ? {} : { timeoutMs: settings.requestTimeoutMs }),
        ...(settings.maxRetries === undefined ? {} : { maxRetries: settings.maxRetries }),
      });
    }
    default:
      throw new UsageError(`Unknown model provider '${provider}'. Available: openai (any OpenAI-compatible server).`);
  }
}
