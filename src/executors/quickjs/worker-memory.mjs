// The memory limit of the QuickJS worker.
//
// QuickJS's own limit (`setMemoryLimit`) barely works in WebAssembly: its allocator cannot tell it
// the size of a block, so it counts a few bytes per allocation. A single huge allocation fails at
// once, but growth by many ordinary ones would go unnoticed up to the 2 GB of a WebAssembly memory
// (measured: a 200 MB limit let an array of strings reach 2 GB in 10 s). So QuickJS gets a memory
// that refuses to grow past the limit: malloc then fails and QuickJS raises its usual catchable
// "out of memory", with the runtime intact.

const WASM_PAGE = 65536;
/** What QuickJS's build starts with (16 MB: its stack, static data and first heap). */
const INITIAL_PAGES = 256;
const MAXIMUM_PAGES = 32768;

/** The least extra growth the run after a full memory may use (see `startRun`). */
const MINIMUM_ALLOWANCE_BYTES = 16 * 1024 * 1024;

/** Creates the WebAssembly memory for QuickJS and the controls of its cap. */
export function createMemoryCap() {
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES });
  const baseBytes = memory.buffer.byteLength;
  const grow = WebAssembly.Memory.prototype.grow;
  let limitBytes = -1;
  let allowanceBytes = 0;
  /** Growth past the limit allowed for what the host is handing QuickJS right now (see `lift`). */
  let liftedBytes = 0;
  let exhausted = false;
  let setQuickJsLimit = () => undefined;
  // Emscripten never grows by exactly what it needs: at least 2.5% of the memory more, so a lifted
  // copy gets 5% on top of its own size.
  const liftedRoom = () => (liftedBytes > 0 ? liftedBytes + Math.ceil(memory.buffer.byteLength / 20) : 0);

  Object.defineProperty(memory, "grow", {
    value(pages) {
      if (limitBytes >= 0 && memory.buffer.byteLength + pages * WASM_PAGE > baseBytes + limitBytes + allowanceBytes + liftedRoom()) {
        exhausted = true;
        throw new RangeError("sandbox memory limit reached");
      }
      // Emscripten asks for a generous step first and retries smaller ones: a later success
      // means the allocation went through after all.
      exhausted = false;
      return grow.call(memory, pages);
    },
  });

  return {
    memory,
    /** Connects QuickJS's own limit, which still catches single huge allocations early. */
    attach(runtime) {
      setQuickJsLimit = (bytes) => runtime.setMemoryLimit(bytes);
      setQuickJsLimit(limitBytes);
    },
    /** Sets the limit in bytes; negative for none. */
    configure(bytes) {
      limitBytes = bytes;
      exhausted = false;
      setQuickJsLimit(bytes < 0 ? -1 : bytes);
    },
    /**
     * Starts a run. The sandbox keeps a reserve for the run after one that filled the memory (so
     * it can free what the first one holds); if that run was filled again, the one after it may
     * also grow a little past the limit. Emscripten grows by at least 5% at a time, hence 10%.
     */
    startRun() {
      allowanceBytes = exhausted && limitBytes >= 0 ? Math.max(MINIMUM_ALLOWANCE_BYTES, Math.ceil((baseBytes + limitBytes) / 10)) : 0;
      exhausted = false;
    },
    /**
     * Runs `transfer` (the host copying a text into QuickJS, or out of it) with the memory allowed
     * to grow `bytes` past the limit. A transfer the host makes must not fail half-way because the
     * code filled the memory: quickjs-emscripten does not check its allocations, and would write
     * the text at address 0. Its size is bounded by maxValueChars and the incoming limits, and the
     * allowance is counted from the limit, not from the memory's size: code that keeps tool results
     * cannot climb by them. Nested transfers add up (a text and QuickJS's copy of it).
     */
    lift(bytes, transfer) {
      const before = liftedBytes;
      liftedBytes += bytes;
      try {
        return transfer();
      } finally {
        liftedBytes = before;
      }
    },
    /** Whether the memory is full: its last attempt to grow was refused. */
    get exhausted() {
      return exhausted;
    },
  };
}
