/**
 * Loads node-llama-cpp, an optional peer dependency (its native binaries weigh hundreds of
 * megabytes), only when a {@link LlamaCppModel} first needs it: importing `codeagent/llama-cpp`
 * does not load it, and nobody who never runs a local model needs it installed.
 */
import type * as NodeLlamaCpp from "node-llama-cpp";

import { importOptional } from "../../executors/import-optional.js";

/** The node-llama-cpp module. */
export type NodeLlamaCppModule = typeof NodeLlamaCpp;

let loading: Promise<NodeLlamaCppModule> | undefined;

/** node-llama-cpp, imported once; a missing package is a `MissingPackageError` with the install line. */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCppModule> {
  loading ??= importNodeLlamaCpp().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** Imports node-llama-cpp from `specifier` (another name only in the test of the missing case). */
export function importNodeLlamaCpp(specifier = "node-llama-cpp"): Promise<NodeLlamaCppModule> {
  return importOptional<NodeLlamaCppModule>({ specifier, installCommand: "npm install node-llama-cpp", purpose: "LlamaCppModel (a local GGUF model)" });
}
