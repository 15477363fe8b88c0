/**
 * `codeagent/llama-cpp`: GGUF models run in this process by llama.cpp, with no server (needs the
 * `node-llama-cpp` package), and the download of GGUF files from Hugging Face.
 */
export { LlamaCppModel } from "./llama-cpp-model.js";
export type { LlamaCppGpu, LlamaCppModelOptions } from "./llama-cpp-model.js";
export { cachedGgufPath, defaultModelCacheDir, downloadGguf, GgufDownloadError, parseHuggingFaceFile } from "./download-gguf.js";
export type { DownloadGgufOptions, GgufDownloadProgress } from "./download-gguf.js";
