import { AgentConfigurationError } from "../errors.js";
import type { Model } from "../models/model.js";
import { modelFromString } from "../models/model-string.js";
import { UsageError, type ModelSettings } from "./cli-arguments.js";
import type { DownloadProgress } from "./download-progress.js";

/**
 * The model named on the command line (`provider:model-id`, parsed by the API's
 * `modelFromString`) with the settings its flags give, or a {@link UsageError} that says what to
 * set when its credentials are missing or the provider is unknown.
 */
export function modelFromSpec(settings: ModelSettings, env: NodeJS.ProcessEnv, onDownloadProgress?: (progress: DownloadProgress) => void): Model {
  try {
    return modelFromString(settings.spec, {
      env,
      ...(onDownloadProgress ? { onDownloadProgress } : {}),
      supportsStop: settings.supportsStop,
      ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
      ...(settings.requestTimeoutMs === undefined ? {} : { timeoutMs: settings.requestTimeoutMs }),
      ...(settings.maxRetries === undefined ? {} : { maxRetries: settings.maxRetries }),
    });
  } catch (error) {
    if (!(error instanceof AgentConfigurationError)) throw error;
    // The flags that fix it on the command line, after what the API says.
    const flag = /OPENAI_BASE_URL/.test(error.message) ? `\nor give the server on the command line: --model ${settings.spec} --base-url http://localhost:11434/v1` : "";
    throw new UsageError(`${error.message}${flag}`, { cause: error });
  }
}
