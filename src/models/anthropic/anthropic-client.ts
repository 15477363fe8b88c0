/**
 * Settles where an {@link AnthropicModel} sends its calls and with which credentials, at
 * construction (a missing key fails there, naming ANTHROPIC_API_KEY), and creates the SDK client
 * once the SDK is loaded.
 */
import { AgentConfigurationError } from "../../errors.js";
import type { AnthropicClient, AnthropicClientOptions, AnthropicSdk } from "./anthropic-sdk.js";
import { refuseLongRetryWaits } from "../retrying-call.js";

/** The SDK's default, for which no `baseURL` needs to be given. */
export const ANTHROPIC_API_URL = "https://api.anthropic.com";

/** Sent to a server given by `baseURL` when there is no key: the SDK insists on credentials. */
const PLACEHOLDER_API_KEY = "not-needed";

/** How to reach the API: where, and with which credential. */
export interface AnthropicEndpoint {
  baseURL: string;
  credential: { apiKey: string } | { authToken: string };
}

/** What the endpoint is settled from. */
export interface EndpointOptions {
  baseURL?: string | undefined;
  apiKey?: string | undefined;
}

/**
 * The endpoint: `baseURL`, else ANTHROPIC_BASE_URL, else Anthropic's API; the key from `apiKey`,
 * else ANTHROPIC_API_KEY, else the bearer token in ANTHROPIC_AUTH_TOKEN. A server given by a base
 * URL may need no key (a local proxy): a placeholder is sent then.
 * @throws {AgentConfigurationError} when there is no key for Anthropic's own API.
 */
export function resolveEndpoint(options: EndpointOptions): AnthropicEndpoint {
  const givenBaseURL = options.baseURL ?? readEnv("ANTHROPIC_BASE_URL");
  const baseURL = (givenBaseURL ?? ANTHROPIC_API_URL).replace(/\/+$/, "");
  const apiKey = options.apiKey ?? readEnv("ANTHROPIC_API_KEY");
  if (apiKey !== undefined) return { baseURL, credential: { apiKey } };
  const authToken = readEnv("ANTHROPIC_AUTH_TOKEN");
  if (authToken !== undefined) return { baseURL, credential: { authToken } };
  if (givenBaseURL !== undefined) return { baseURL, credential: { apiKey: PLACEHOLDER_API_KEY } };
  throw new AgentConfigurationError(
    "AnthropicModel has no API key. Set the ANTHROPIC_API_KEY environment variable or pass `apiKey` (keys are made at https://console.anthropic.com).",
  );
}

/** Settings of the client beyond the endpoint. */
export interface ClientSettings {
  timeoutMs: number;
  maxRetries: number;
  headers?: Record<string, string> | undefined;
  fetch?: typeof globalThis.fetch | undefined;
}

/** The SDK client for `endpoint`, retrying and timing out as `settings` say. */
export function createClient(sdk: AnthropicSdk, endpoint: AnthropicEndpoint, settings: ClientSettings): AnthropicClient {
  const options: AnthropicClientOptions = { ...endpoint.credential, baseURL: endpoint.baseURL, timeout: settings.timeoutMs, maxRetries: settings.maxRetries };
  // The SDK logs warnings to the console by default; codeagent reports through errors instead.
  // ANTHROPIC_LOG=debug still turns the SDK's own logging on.
  if (readEnv("ANTHROPIC_LOG") === undefined) options.logLevel = "off";
  if (settings.headers !== undefined) options.defaultHeaders = settings.headers;
  options.fetch = refuseLongRetryWaits(settings.fetch);
  try {
    return new sdk.default(options);
  } catch (error) {
    throw new AgentConfigurationError(`AnthropicModel could not set up the Anthropic SDK client: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function readEnv(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}
