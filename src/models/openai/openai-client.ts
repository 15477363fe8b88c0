/**
 * The `openai` SDK client behind an {@link OpenAIModel}: OpenAI or any compatible server given by
 * `baseURL`, or an Azure OpenAI deployment, with the key taken from the options or the
 * environment. A missing key or incomplete Azure settings fail here, at construction.
 */
import { AzureOpenAI, OpenAI, OpenAIError, type ClientOptions } from "openai";

import { AgentConfigurationError } from "../../errors.js";
import { refuseLongRetryWaits } from "../retrying-call.js";
import type { OpenAIAzureOptions, OpenAIModelOptions } from "./openai-model.js";

/** Sent to servers given by `baseURL` that need no key; the SDK insists on one. */
export const PLACEHOLDER_API_KEY = "not-needed";

/** The client for `options`, with the timeout and retries already settled by the model. */
export function createClient(options: OpenAIModelOptions, timeoutMs: number, maxRetries: number): OpenAI {
  const common: Omit<ClientOptions, "apiKey" | "baseURL"> = { timeout: timeoutMs, maxRetries };
  // The SDK logs warnings to the console by default; codeagent reports through errors instead.
  // OPENAI_LOG=debug still turns the SDK's own logging on.
  if (readEnv("OPENAI_LOG") === undefined) common.logLevel = "off";
  if (options.organization !== undefined) common.organization = options.organization;
  if (options.headers !== undefined) common.defaultHeaders = options.headers;
  common.fetch = refuseLongRetryWaits(options.fetch);
  try {
    if (options.azure) return createAzureClient(options, options.azure, common);
    const baseURL = options.baseURL ?? readEnv("OPENAI_BASE_URL");
    const apiKey = options.apiKey ?? readEnv("OPENAI_API_KEY");
    if (apiKey === undefined && baseURL === undefined) {
      throw new AgentConfigurationError(
        "OpenAIModel has no API key. Set the OPENAI_API_KEY environment variable or pass `apiKey`. " +
          'For a local OpenAI-compatible server (vLLM, Ollama, llama.cpp, ...), pass its `baseURL` instead, e.g. new OpenAIModel({ modelId: "llama3.2", baseURL: "http://localhost:11434/v1" }); it needs no key.',
      );
    }
    return new OpenAI({ ...common, apiKey: apiKey ?? PLACEHOLDER_API_KEY, ...(baseURL !== undefined ? { baseURL } : {}) });
  } catch (error) {
    if (error instanceof OpenAIError) throw new AgentConfigurationError(`OpenAIModel could not be set up: ${error.message}`, { cause: error });
    throw error;
  }
}

function createAzureClient(options: OpenAIModelOptions, azure: OpenAIAzureOptions, common: Omit<ClientOptions, "apiKey" | "baseURL">): OpenAI {
  if (azure.azureADTokenProvider) {
    return new AzureOpenAI({ ...common, ...azureTarget(options, azure), azureADTokenProvider: azure.azureADTokenProvider });
  }
  const apiKey = options.apiKey ?? readEnv("AZURE_OPENAI_API_KEY");
  if (apiKey === undefined) {
    throw new AgentConfigurationError(
      "OpenAIModel on Azure has no credentials. Set the AZURE_OPENAI_API_KEY environment variable, pass `apiKey`, or pass `azure.azureADTokenProvider`.",
    );
  }
  return new AzureOpenAI({ ...common, ...azureTarget(options, azure), apiKey });
}

function azureTarget(options: OpenAIModelOptions, azure: OpenAIAzureOptions) {
  return { endpoint: azure.endpoint.replace(/\/+$/, ""), apiVersion: azure.apiVersion, deployment: azure.deployment ?? options.modelId };
}

function readEnv(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}
