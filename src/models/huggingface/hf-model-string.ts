/**
 * Model strings for Hugging Face Inference Providers: `Qwen/Qwen2.5-Coder-32B-Instruct:together`
 * names a model and the provider to run it on, as the Hugging Face router writes it. Parsing needs
 * no SDK, so a command line can read the string before anything is loaded.
 */

/**
 * The providers `@huggingface/inference` 4.13 can route to (its `INFERENCE_PROVIDERS`), and
 * `auto`, which lets Hugging Face pick from the user's preferences. Kept here so that parsing does
 * not load the SDK; a test checks it against the SDK's own list.
 */
export const HF_INFERENCE_PROVIDERS: readonly string[] = [
  "auto",
  "baseten",
  "cerebras",
  "cohere",
  "deepinfra",
  "fal-ai",
  "featherless-ai",
  "fireworks-ai",
  "groq",
  "hf-inference",
  "novita",
  "nscale",
  "openai",
  "ovhcloud",
  "publicai",
  "replicate",
  "scaleway",
  "together",
  "wavespeed",
  "zai-org",
];

/** What a Hugging Face model string names. */
export interface HfModelReference {
  /** The model's id on the Hub, e.g. `Qwen/Qwen2.5-Coder-32B-Instruct`. */
  modelId: string;
  /** The provider named by the string's last `:part`, when it names one. */
  provider?: string;
}

/**
 * Splits `Qwen/Qwen2.5-Coder-32B-Instruct:together` (an `hf:` prefix is allowed) into the model id
 * and the provider. The last `:part` is the provider only when it is a provider's name (see
 * {@link HF_INFERENCE_PROVIDERS}); anything else stays in the id, so a routing policy the Hugging
 * Face router understands (`:fastest`, `:cheapest`) reaches it unchanged.
 */
export function parseHfModelString(text: string): HfModelReference {
  const id = text.startsWith("hf:") ? text.slice("hf:".length) : text;
  const colon = id.lastIndexOf(":");
  if (colon <= 0) return { modelId: id };
  const suffix = id.slice(colon + 1);
  if (!HF_INFERENCE_PROVIDERS.includes(suffix)) return { modelId: id };
  return { modelId: id.slice(0, colon), provider: suffix };
}
