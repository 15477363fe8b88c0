/**
 * The part of `@huggingface/inference` that {@link HfInferenceModel} uses, loaded the first time a
 * call needs it: the package is an optional peer dependency, and importing codeagent never loads it.
 * The shapes are written here so that codeagent's public types do not depend on the SDK's typings.
 */
import { importOptional, type OptionalPackage } from "../../executors/import-optional.js";

/** Per-call options the SDK's chat tasks take. */
export interface HfRequestOptions {
  signal: AbortSignal;
  fetch: typeof globalThis.fetch;
  /** The SDK resends a 503 at once, forever, unless told not to; retries are ours. */
  retry_on_error: false;
  billTo?: string;
}

/** The SDK's `InferenceClient`, as far as chat goes. */
export interface HfInferenceClient {
  chatCompletion(args: Record<string, unknown>, options: HfRequestOptions): Promise<unknown>;
  chatCompletionStream(args: Record<string, unknown>, options: HfRequestOptions): AsyncGenerator<unknown>;
}

/** What codeagent takes from the SDK's module. */
export interface HfInferenceSdk {
  InferenceClient: new (accessToken?: string, defaultOptions?: { endpointUrl?: string }) => HfInferenceClient;
}

/** The package, and the line that installs it. */
export const HF_INFERENCE_PACKAGE: OptionalPackage = {
  specifier: "@huggingface/inference",
  installCommand: "npm install @huggingface/inference",
  purpose: "HfInferenceModel",
};

let loading: Promise<HfInferenceSdk> | undefined;

/** The SDK, imported once. A missing package is a `MissingPackageError` naming the install line. */
export function loadHfInferenceSdk(): Promise<HfInferenceSdk> {
  loading ??= importOptional<HfInferenceSdk>(HF_INFERENCE_PACKAGE).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
