/**
 * Context windows of well-known models, in tokens, for adapters whose provider does not say:
 * agents size their default context budget from them. Matched on the model id without its
 * provider prefix, case-insensitively; the first pattern that matches wins, so specific ones come
 * first. Maintained by hand from the providers' model pages; an adapter's `contextWindow` option
 * overrides it.
 */
const CONTEXT_WINDOWS: readonly (readonly [RegExp, number])[] = [
  // OpenAI
  [/^gpt-4\.1/, 1_047_576],
  [/^gpt-5/, 400_000],
  [/^(o1|o3|o4)(-|$)/, 200_000],
  [/^gpt-4o/, 128_000],
  [/^gpt-4-turbo/, 128_000],
  [/^gpt-4-32k/, 32_768],
  [/^gpt-4(-|$)/, 8_192],
  [/^gpt-3\.5-turbo/, 16_385],
  [/^gpt-oss/, 131_072],
  // Anthropic
  [/^claude-(sonnet-4|opus-4|haiku-4|3-7|3-5|3)/, 200_000],
  [/^claude/, 200_000],
  // Google
  [/^gemini-1\.5-pro/, 2_097_152],
  [/^gemini-(1\.5|2\.0|2\.5)/, 1_048_576],
  [/^gemma-?3/, 131_072],
  // Open-weight families, as their model cards give them
  [/qwen3-coder/, 262_144],
  [/qwen2\.5-coder.*(0\.5b|1\.5b|3b)/, 32_768],
  [/qwen2\.5/, 32_768],
  [/qwen3/, 32_768],
  [/llama-?3\.[1-3]|llama-?4/, 131_072],
  [/llama-?3/, 8_192],
  [/deepseek-(v3|r1|chat|coder-v2)/, 131_072],
  [/mistral-large|mistral-medium|codestral|devstral/, 131_072],
  [/mixtral/, 32_768],
  [/mistral/, 32_768],
  [/phi-4/, 16_384],
  [/command-r/, 131_072],
];

/** The context window of `modelId` from the table, or undefined for a model it does not know. */
export function knownContextWindow(modelId: string): number | undefined {
  // "Qwen/Qwen2.5-Coder-32B-Instruct", "models/gemini-2.0-flash", "meta-llama/Llama-3.3-70B": the last path part names the model.
  const name = modelId.toLowerCase().split("/").pop() ?? "";
  return CONTEXT_WINDOWS.find(([pattern]) => pattern.test(name))?.[1];
}
