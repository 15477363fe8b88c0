/**
 * One parser for model strings, `provider:model-id`, shared by the CLI and the API:
 * `modelFromString("anthropic:claude-sonnet-4-5")`. Each provider says which adapter it makes,
 * where its credentials come from, and how to fix a missing one; an unknown provider lists them all.
 */
import { AgentConfigurationError, MissingCredentialsError } from "../errors.js";
import { aiSdkModelFromString } from "./ai-sdk/ai-sdk-model-string.js";
import { AnthropicModel } from "./anthropic/anthropic-model.js";
import type { ApiModelOptions } from "./api-model-options.js";
import { knownContextWindow } from "./context-windows.js";
import { HfInferenceModel } from "./huggingface/hf-inference-model.js";
import { parseHfModelString } from "./huggingface/hf-model-string.js";
import { LazyModel } from "./lazy-model.js";
import type { Model } from "./model.js";
import { PLACEHOLDER_API_KEY } from "./openai/openai-client.js";
import { OpenAIModel } from "./openai/openai-model.js";

/** Options of {@link modelFromString}: the API options every adapter takes, and where to read the environment. */
export interface ModelFromStringOptions extends ApiModelOptions {
  /** The environment credentials and addresses are read from. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The server to call, instead of the provider's usual address (OpenAI-compatible providers). */
  baseURL?: string;
  /** OpenAI-compatible providers: whether to send `stop` (see `OpenAIModel`'s `supportsStop`). */
  supportsStop?: boolean;
  /** `gguf:hf:...`: told how the one-time download of the file goes (a CLI draws a bar from it). */
  onDownloadProgress?: (progress: { downloadedBytes: number; totalBytes: number | undefined; resumedFromBytes: number }) => void;
}

/** A provider the parser knows. */
export interface ModelProvider {
  /** The prefix before the colon. */
  name: string;
  /** A model string for it, for messages and `codeagent models`. */
  example: string;
  /** What it reaches. */
  description: string;
  /** The environment variable its credentials come from, when it needs one. */
  credential?: string;
  /** Other environment variables it reads (addresses, versions). */
  settings?: readonly string[];
  /** The optional package its adapter loads, when it needs one. */
  package?: string;
  /** Its state in `env`, when the credential and package alone do not say it (see {@link providerStatuses}). */
  status?(env: Readonly<Record<string, string | undefined>>, isInstalled: (pkg: string) => boolean): Pick<ProviderStatus, "state" | "advice">;
  create(modelId: string, options: ModelFromStringOptions, env: Readonly<Record<string, string | undefined>>): Model;
}

/** A local OpenAI-compatible server at `defaultURL`, or where `variable` says. */
function localServer(name: string, description: string, variable: string, defaultURL: string, example: string): ModelProvider {
  return {
    name,
    example,
    description: `${description} (OpenAI-compatible, ${variable} or ${defaultURL})`,
    settings: [variable],
    status: (env) => ({ state: "ready", advice: `no key; the server at ${openAIPath(read(env, variable) ?? defaultURL)}${read(env, variable) ? "" : ` (${variable} to change)`}` }),
    // The placeholder key: OpenAIModel would otherwise send OPENAI_API_KEY to this server.
    create: (modelId, options, env) =>
      new OpenAIModel({ ...apiOptions(options), modelId, apiKey: PLACEHOLDER_API_KEY, baseURL: options.baseURL ?? openAIPath(read(env, variable) ?? defaultURL) }),
  };
}

const PROVIDERS: ModelProvider[] = [
  {
    name: "openai",
    example: "openai:gpt-4o-mini",
    description: "OpenAI, or any OpenAI-compatible server given by OPENAI_BASE_URL / --base-url",
    credential: "OPENAI_API_KEY",
    settings: ["OPENAI_BASE_URL"],
    create(modelId, options, env) {
      const baseURL = options.baseURL ?? read(env, "OPENAI_BASE_URL");
      const apiKey = read(env, "OPENAI_API_KEY");
      if (apiKey === undefined && baseURL === undefined) throw missingCredential("openai", modelId, "OPENAI_API_KEY", "sk-...", "or point at a local server: OPENAI_BASE_URL=http://localhost:8000/v1");
      // Only the key of `env` is sent: with a server and no key there, the placeholder, not the process's key.
      return new OpenAIModel({ ...apiOptions(options), modelId, apiKey: apiKey ?? PLACEHOLDER_API_KEY, ...(baseURL ? { baseURL } : {}) });
    },
  },
  {
    name: "anthropic",
    example: "anthropic:claude-sonnet-4-5",
    description: "Anthropic's Claude models (ANTHROPIC_BASE_URL for a proxy)",
    credential: "ANTHROPIC_API_KEY",
    settings: ["ANTHROPIC_BASE_URL"],
    package: "@anthropic-ai/sdk",
    create(modelId, options, env) {
      const apiKey = read(env, "ANTHROPIC_API_KEY");
      const baseURL = options.baseURL ?? read(env, "ANTHROPIC_BASE_URL");
      if (apiKey === undefined && baseURL === undefined) throw missingCredential("anthropic", modelId, "ANTHROPIC_API_KEY", "sk-ant-...");
      return new AnthropicModel({ ...apiOptions(options), modelId, ...(apiKey ? { apiKey } : {}), ...(baseURL ? { baseURL } : {}) });
    },
  },
  {
    name: "hf",
    example: "hf:Qwen/Qwen2.5-Coder-32B-Instruct:together",
    description: "Hugging Face Inference Providers (an optional :provider at the end; default auto)",
    credential: "HF_TOKEN",
    package: "@huggingface/inference",
    create(spec, options, env) {
      const { modelId, provider } = parseHfModelString(`hf:${spec}`);
      const token = read(env, "HF_TOKEN");
      if (token === undefined && options.baseURL === undefined) throw missingCredential("hf", spec, "HF_TOKEN", "hf_...", "(a token from https://huggingface.co/settings/tokens allowed to call Inference Providers)");
      return new HfInferenceModel({ ...apiOptions(options), modelId, ...(provider ? { provider } : {}), ...(token ? { token } : {}), ...(options.baseURL ? { endpointUrl: options.baseURL } : {}) });
    },
  },
  {
    name: "ai-sdk",
    example: "ai-sdk:google/gemini-2.0-flash",
    description: "any Vercel AI SDK provider package installed (@ai-sdk/<provider>), which reads its own key",
    status(_env, isInstalled) {
      const installed = AI_SDK_PROVIDERS.filter((name) => isInstalled(`@ai-sdk/${name}`));
      return installed.length > 0
        ? { state: "ready", advice: `installed: ${installed.map((name) => `@ai-sdk/${name}`).join(", ")}` }
        : { state: "missing", advice: "npm install @ai-sdk/<provider>, e.g. @ai-sdk/google" };
    },
    create(spec, options) {
      const slash = spec.indexOf("/");
      if (slash <= 0 || slash === spec.length - 1) {
        throw new AgentConfigurationError(`ai-sdk:${spec} names no provider and model: write ai-sdk:<provider>/<model>, e.g. ai-sdk:google/gemini-2.0-flash.`);
      }
      const modelName = spec.slice(slash + 1);
      const contextWindow = options.contextWindow ?? knownContextWindow(modelName);
      const settings = { ...apiOptions(options), ...(contextWindow === undefined ? {} : { contextWindow }) };
      // The provider package is imported on the first call; a missing one fails there, naming the install line.
      return new LazyModel(modelName, () => aiSdkModelFromString(`ai-sdk:${spec}`, settings), contextWindow);
    },
  },
  {
    name: "gguf",
    example: "gguf:/path/model.gguf",
    description: "a local GGUF file run in this process by llama.cpp; gguf:hf:<owner>/<repo>/<file> downloads it once (codeagent/llama-cpp)",
    package: "node-llama-cpp",
    create(reference, options, env) {
      const contextSize = options.contextWindow;
      // The adapter lives at its own entry point with its heavy package: loaded on the first call.
      return new LazyModel(
        `gguf:${reference}`,
        async () => {
          const llama = await import("./llama-cpp/index.js");
          const token = read(env, "HF_TOKEN");
          const endpoint = read(env, "HF_ENDPOINT");
          const modelPath = reference.startsWith("hf:")
            ? await llama.downloadGguf({
                ...llama.parseHuggingFaceFile(reference.slice("hf:".length)),
                ...(token ? { token } : {}),
                ...(endpoint ? { baseUrl: endpoint } : {}),
                ...(options.onDownloadProgress ? { onProgress: options.onDownloadProgress } : {}),
              })
            : reference;
          return new llama.LlamaCppModel({ modelPath, ...(contextSize === undefined ? {} : { contextSize }) });
        },
        contextSize,
      );
    },
  },
  localServer("ollama", "a local Ollama", "OLLAMA_HOST", "http://127.0.0.1:11434", "ollama:qwen2.5-coder:7b"),
  localServer("vllm", "a vLLM server", "VLLM_BASE_URL", "http://127.0.0.1:8000", "vllm:Qwen/Qwen2.5-Coder-32B-Instruct"),
  localServer("lmstudio", "LM Studio's local server", "LMSTUDIO_BASE_URL", "http://127.0.0.1:1234", "lmstudio:qwen2.5-coder-7b-instruct"),
  {
    name: "azure",
    example: "azure:<deployment>",
    description: "a deployment on Azure OpenAI (AZURE_OPENAI_ENDPOINT, OPENAI_API_VERSION)",
    credential: "AZURE_OPENAI_API_KEY",
    settings: ["AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION"],
    create(deployment, options, env) {
      const endpoint = read(env, "AZURE_OPENAI_ENDPOINT");
      if (endpoint === undefined) {
        throw new AgentConfigurationError(`azure:${deployment} needs the resource's endpoint: export AZURE_OPENAI_ENDPOINT=https://<resource>.openai.azure.com`);
      }
      const apiKey = read(env, "AZURE_OPENAI_API_KEY");
      if (apiKey === undefined) throw missingCredential("azure", deployment, "AZURE_OPENAI_API_KEY", "<key>");
      const apiVersion = read(env, "OPENAI_API_VERSION") ?? "2024-10-21";
      return new OpenAIModel({ ...apiOptions(options), modelId: deployment, apiKey, azure: { endpoint, apiVersion } });
    },
  },
];

/** AI SDK provider packages `codeagent models` looks for (any other installed one works too). */
const AI_SDK_PROVIDERS = ["openai", "anthropic", "google", "google-vertex", "mistral", "groq", "amazon-bedrock", "azure", "xai", "deepseek", "cohere", "togetherai", "fireworks", "cerebras", "perplexity", "openai-compatible"];

/** The providers `modelFromString` knows, in the order `codeagent models` lists them. */
export function modelProviders(): readonly ModelProvider[] {
  return PROVIDERS;
}

/** Adds a provider (an adapter of one's own, or one at a subpath entry point); a name already known is replaced. */
export function registerModelProvider(provider: ModelProvider): void {
  const index = PROVIDERS.findIndex((known) => known.name === provider.name);
  if (index >= 0) PROVIDERS[index] = provider;
  else PROVIDERS.push(provider);
}

/**
 * The model a string names: `provider:model-id` (a string without a provider is OpenAI's).
 * Throws {@link AgentConfigurationError} for an unknown provider (listing the known ones), a
 * missing model id, or missing credentials (with the line that sets them).
 */
export function modelFromString(spec: string, options: ModelFromStringOptions = {}): Model {
  spec = spec.trim();
  const separator = spec.indexOf(":");
  const name = separator < 0 ? "openai" : spec.slice(0, separator).trim().toLowerCase();
  const modelId = (separator < 0 ? spec : spec.slice(separator + 1)).trim();
  const provider = PROVIDERS.find((known) => known.name === name);
  if (provider === undefined) {
    const known = PROVIDERS.map((known) => `  ${known.example.padEnd(44)} ${known.description}`).join("\n");
    throw new AgentConfigurationError(`Unknown model provider '${name}' in '${spec}'. Model strings are provider:model-id, one of:\n${known}`);
  }
  if (modelId.trim() === "") throw new AgentConfigurationError(`'${spec}' names no model: give one after the colon, e.g. ${provider.example}.`);
  const model = provider.create(modelId, options, options.env ?? process.env);
  specs.set(model, `${provider.name}:${modelId}`);
  return model;
}

/** The string each model made by {@link modelFromString} came from (a saved agent stores it). */
const specs = new WeakMap<Model, string>();

/** The model string `model` was made from by {@link modelFromString}, if it was. */
export function modelStringOf(model: Model): string | undefined {
  return specs.get(model);
}

/** The error for a provider whose key is not set: the line that sets it, and where to get one. */
export function missingCredential(provider: string, modelId: string, variable: string, placeholder: string, alternative?: string): MissingCredentialsError {
  return new MissingCredentialsError(
    [variable],
    `${provider}:${modelId} needs ${variable}, which is not set. Set it, e.g.\n  export ${variable}=${placeholder}` + (alternative ? `\n${alternative}` : ""),
  );
}

/** The API options of `options`, without what only the parser reads. */
export function apiOptions(options: ModelFromStringOptions): ApiModelOptions & { supportsStop?: boolean } {
  const { env: _env, baseURL: _baseURL, onDownloadProgress: _progress, ...rest } = options;
  return rest;
}

/** A value of the environment, trimmed; undefined when unset or blank. */
export function read(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A server's address as the OpenAI SDK wants it: with `/v1` (and a scheme, as OLLAMA_HOST may lack one). */
function openAIPath(address: string): string {
  const withScheme = /^https?:\/\//.test(address) ? address : `http://${address}`;
  const trimmed = withScheme.replace(/\/+$/, "");
  return trimmed.endsWith("/v1") ? trimmed : `${trimmed}/v1`;
}

/** How far a provider is set up in an environment, for `codeagent models`. */
export interface ProviderStatus {
  provider: string;
  example: string;
  description: string;
  /** `ready`: its credential is set (or it needs none); `missing`: what to set is in `advice`. */
  state: "ready" | "missing";
  /** What is set, or what to do. */
  advice: string;
}

/** Each provider's state in `env`: which credentials and addresses are set, which packages are missing. */
export function providerStatuses(env: Readonly<Record<string, string | undefined>>, isInstalled: (pkg: string) => boolean): ProviderStatus[] {
  return PROVIDERS.map((provider) => {
    const base = { provider: provider.name, example: provider.example, description: provider.description };
    if (provider.package !== undefined && !isInstalled(provider.package)) return { ...base, state: "missing", advice: `npm install ${provider.package}` };
    if (provider.status) return { ...base, ...provider.status(env, isInstalled) };
    const settings = (provider.settings ?? []).filter((name) => read(env, name) !== undefined).map((name) => `${name}=${read(env, name)}`);
    if (provider.credential !== undefined && read(env, provider.credential) === undefined) {
      return { ...base, state: "missing", advice: `export ${provider.credential}=...${settings.length > 0 ? ` (${settings.join(", ")})` : ""}` };
    }
    const set = [...(provider.credential ? [`${provider.credential} is set`] : []), ...settings];
    return { ...base, state: "ready", advice: set.length > 0 ? set.join(", ") : "no key needed" };
  });
}
