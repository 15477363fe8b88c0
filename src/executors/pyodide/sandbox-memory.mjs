// The wasm heap's limit inside the sandbox. Pyodide grows its WebAssembly memory from JavaScript;
// refusing a grow past the limit makes malloc fail, which CPython reports as MemoryError while the
// interpreter stays usable. This is only the polite first wall: Python can reach JavaScript and
// allocate outside the wasm heap, so the host also caps the whole process (process-memory-limit.ts).

const WASM_PAGE = 65536;
// Past the limit, a little headroom lets Python build and report the MemoryError, and lets the
// next run (which may free the culprit) parse its code, instead of failing inside the runtime.
const MEMORY_HEADROOM = 64 * 1024 * 1024;

/** Installs the grow hook; returns `setLimit(bytes)` and `beforeRun()`. */
export function limitWasmMemory() {
  const { max, min } = Math;
  let configuredLimit = 4 * 1024 * 1024 * 1024;
  let limit = configuredLimit;
  let heapMemory = null;
  const originalGrow = WebAssembly.Memory.prototype.grow;
  const bufferLength = (memory) => memory.buffer.byteLength;
  WebAssembly.Memory.prototype.grow = function grow(pages) {
    heapMemory = this;
    if (bufferLength(this) + pages * WASM_PAGE > limit) {
      limit = max(limit, configuredLimit + MEMORY_HEADROOM);
      throw new RangeError("codeagent sandbox memory limit reached");
    }
    return originalGrow.call(this, pages);
  };

  return {
    setLimit(bytes) {
      configuredLimit = limit = bytes;
    },
    /** A run starts at the configured limit again, or a little above what the heap already holds. */
    beforeRun() {
      const heapBytes = heapMemory === null ? 0 : bufferLength(heapMemory);
      limit = heapBytes < configuredLimit ? configuredLimit : min(heapBytes + MEMORY_HEADROOM, configuredLimit + 4 * MEMORY_HEADROOM);
    },
  };
}
