/**
 * Model strings for AI SDK providers: `ai-sdk:<provider>/<model>` (e.g.
 * `ai-sdk:google/gemini-2.0-flash`) loads the installed provider package `@ai-sdk/<provider>`,
 * takes its ready-made provider (`google`, `mistral`, `bedrock`, ...), which reads its own key
 * from the environment, and wraps the language model it makes in an {@link AiSdkModel}.
 */
import { AgentConfigurationError } from "../../errors.js";
import { importOptional } from "../../executors/import-optional.js";
import { AiSdkModel, type AiSdkModelOptions } from "./ai-sdk-model.js";
import type { AiSdkLanguageModel } from "./language-model-spec.js";

/** The prefix of the model strings {@link aiSdkModelFromString} reads. */
export const AI_SDK_MODEL_PREFIX = "ai-sdk:";

/** Options of {@link aiSdkModelFromString}: those of {@link AiSdkModel}, but the model. */
export interface AiSdkModelStringOptions extends Omit<AiSdkModelOptions, "model"> {
  /** Imports a package; tests inject one. Default: a dynamic `import()` that names the install command when the package is missing. */
  importModule?: (specifier: string) => Promise<unknown>;
}

/** Where each provider's ready-made instance reads its key, for messages; others get a generic name. */
const CREDENTIALS: Record<string, string> = {
  google: "GOOGLE_GENERATIVE_AI_API_KEY",
  "google-vertex": "GOOGLE_APPLICATION_CREDENTIALS (or GOOGLE_VERTEX_API_KEY)",
  mistral: "MISTRAL_API_KEY",
  groq: "GROQ_API_KEY",
  openai: "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
  xai: "XAI_API_KEY",
  deepseek: "DEEPSEEK_API_KEY",
  cohere: "COHERE_API_KEY",
  togetherai: "TOGETHER_AI_API_KEY",
  fireworks: "FIREWORKS_API_KEY",
  cerebras: "CEREBRAS_API_KEY",
  perplexity: "PERPLEXITY_API_KEY",
  deepinfra: "DEEPINFRA_API_KEY",
  azure: "AZURE_API_KEY",
  "amazon-bedrock": "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_BEARER_TOKEN_BEDROCK)",
  gateway: "AI_GATEWAY_API_KEY",
};

/** A provider instance as the packages export it: callable, with `languageModel(id)`. */
interface ProviderInstance {
  languageModel(modelId: string): AiSdkLanguageModel;
}

/**
 * The {@link AiSdkModel} for `ai-sdk:<provider>/<model>` (the prefix may be left out). The model id
 * is everything after the first `/`, so ids with slashes or colons pass as they are
 * (`ai-sdk:gateway/openai/gpt-4o`, `ai-sdk:amazon-bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0`).
 *
 * @throws {AgentConfigurationError} for a string of another shape, or a package without a ready-made provider.
 * @throws {MissingPackageError} when `@ai-sdk/<provider>` is not installed; the message ends with its install command.
 */
export async function aiSdkModelFromString(spec: string, options: AiSdkModelStringOptions = {}): Promise<AiSdkModel> {
  const { providerName, modelId } = parseModelString(spec);
  const specifier = `@ai-sdk/${providerName}`;
  const { importModule, ...modelOptions } = options;
  const loaded = importModule
    ? await importModule(specifier)
    : await importOptional<unknown>({ specifier, installCommand: `npm install ${specifier}`, purpose: `The model "${spec}"` });
  const provider = providerInstance(loaded, providerName);
  if (provider === undefined) {
    throw new AgentConfigurationError(
      `${specifier} exports no ready-made provider (a function with languageModel, such as google in @ai-sdk/google), so "${spec}" cannot be loaded by name. ` +
        "Create the model with the package's own factory and pass it to new AiSdkModel({ model }).",
    );
  }
  const credentialName = CREDENTIALS[providerName] ?? `the ${specifier} API key (see its documentation for the environment variable)`;
  return new AiSdkModel({ credentialName, ...modelOptions, model: provider.languageModel(modelId) });
}

/** The provider and model of a model string, checked. */
export function parseModelString(spec: string): { providerName: string; modelId: string } {
  const rest = spec.startsWith(AI_SDK_MODEL_PREFIX) ? spec.slice(AI_SDK_MODEL_PREFIX.length) : spec;
  const slash = rest.indexOf("/");
  const providerName = slash < 0 ? rest : rest.slice(0, slash);
  const modelId = slash < 0 ? "" : rest.slice(slash + 1);
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(providerName) || modelId === "") {
    throw new AgentConfigurationError(
      `"${spec}" is not an AI SDK model string. Write ai-sdk:<provider>/<model>, e.g. ai-sdk:google/gemini-2.0-flash, where <provider> names the package @ai-sdk/<provider>.`,
    );
  }
  return { providerName, modelId };
}

/**
 * The package's ready-made provider: its default export, or the export named after the package
 * (`google`, `amazonBedrock`), or else the only export that makes language models (`bedrock`, `vertex`).
 */
function providerInstance(loaded: unknown, providerName: string): ProviderInstance | undefined {
  if (typeof loaded !== "object" || loaded === null) return undefined;
  const exports = loaded as Record<string, unknown>;
  const camelName = providerName.replace(/[-.]([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
  for (const name of ["default", camelName]) if (isProvider(exports[name])) return exports[name];
  const providers = [...new Set(Object.values(exports).filter(isProvider))];
  return providers.length === 1 ? providers[0] : undefined;
}

function isProvider(value: unknown): value is ProviderInstance {
  return (typeof value === "function" || (typeof value === "object" && value !== null)) && typeof (value as Partial<ProviderInstance>).languageModel === "function";
}
