/**
 * The web search providers we speak to, their names for people, their default addresses and the
 * environment variables that hold their keys. The CLI picks the first whose key is set.
 */

/** Every provider {@link webSearchTool} knows. */
export const PROVIDER_NAMES = ["duckduckgo", "searxng", "brave", "tavily", "serper", "exa"] as const;

/** A web search provider's name, as given to `webSearchTool({ provider })`. */
export type WebSearchProviderName = (typeof PROVIDER_NAMES)[number];

interface ProviderFacts {
  label: string;
  defaultBaseUrl: string | undefined;
  /** Variables read for the key, in order; empty for providers without keys. */
  keyVariables: readonly string[];
}

export const PROVIDER_FACTS: Readonly<Record<WebSearchProviderName, ProviderFacts>> = {
  duckduckgo: { label: "DuckDuckGo", defaultBaseUrl: "https://lite.duckduckgo.com", keyVariables: [] },
  searxng: { label: "SearXNG", defaultBaseUrl: undefined, keyVariables: [] },
  brave: { label: "Brave Search", defaultBaseUrl: "https://api.search.brave.com", keyVariables: ["BRAVE_API_KEY", "BRAVE_SEARCH_API_KEY"] },
  tavily: { label: "Tavily", defaultBaseUrl: "https://api.tavily.com", keyVariables: ["TAVILY_API_KEY"] },
  serper: { label: "Serper", defaultBaseUrl: "https://google.serper.dev", keyVariables: ["SERPER_API_KEY"] },
  exa: { label: "Exa", defaultBaseUrl: "https://api.exa.ai", keyVariables: ["EXA_API_KEY"] },
};

/** Providers with keys, in the order the CLI tries them. */
const KEYED_PROVIDERS = ["brave", "tavily", "serper", "exa"] as const satisfies readonly WebSearchProviderName[];

type Environment = Readonly<Record<string, string | undefined>>;

/** The key for `provider` set in `env`, if any. */
export function apiKeyFromEnvironment(provider: WebSearchProviderName, env: Environment): string | undefined {
  for (const variable of PROVIDER_FACTS[provider].keyVariables) {
    const value = env[variable]?.trim();
    if (value) return value;
  }
  return undefined;
}

/**
 * The first provider whose key is set in `env` (Brave, Tavily, Serper, Exa, in that order), else
 * "duckduckgo", which needs no key.
 */
export function providerFromEnvironment(env: Environment = process.env): WebSearchProviderName {
  return KEYED_PROVIDERS.find((provider) => apiKeyFromEnvironment(provider, env) !== undefined) ?? "duckduckgo";
}

/**
 * One sentence naming the providers other than `current` and what each needs, for error
 * messages: the user reading them learns the way out without looking it up.
 */
export function otherProvidersAdvice(current: WebSearchProviderName): string {
  const options = PROVIDER_NAMES.filter((name) => name !== current).map((name) => {
    const variables = PROVIDER_FACTS[name].keyVariables;
    if (name === "duckduckgo") return `"duckduckgo" (no key)`;
    if (name === "searxng") return `"searxng" (your own instance: webSearchTool({ provider: "searxng", baseUrl }))`;
    return `"${name}" (set ${variables.join(" or ")})`;
  });
  return `Other providers: ${options.join(", ")}; choose one with webSearchTool({ provider }) — the CLI uses the first whose key is set.`;
}
