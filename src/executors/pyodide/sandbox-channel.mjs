// The sandbox's end of the protocol with the host: JSON lines, read from stdin and written to
// stdout. The host's first line carries a secret token; every line the sandbox writes starts
// with a newline and that token, so output Python manages to put on the real stdout (it can, via
// Pyodide's `Module.print`) is ignored by the host, and a partial line Python left behind cannot
// swallow ours. Only captured built-ins touch the bytes here (see sandbox-intrinsics.mjs): a hook
// Python puts on a prototype never sees the token. Nor is a message object ever handed to a JSON
// serialiser: one looks `toJSON` up on prototypes Python can reach, and would send what a hook
// returns under the real token. Every line is built here from JSON text and quoted strings.

import { intrinsics } from "./sandbox-intrinsics.mjs";

const { Uint8Array, ArrayBuffer, TextDecoder, jsonParse, jsonStringify, isArray, stringIndexOf, encode, decode, typedSet, typedIndexOf, typedFill, typedLength } = intrinsics;

const NEWLINE = 10;
const INITIAL_CAPACITY = 1 << 16;

/**
 * Opens the channel: reads the host's first line for the token (unless `token` is given) and returns `readMessage` (the next
 * message as an object, or undefined for a line that is not JSON) and `send`. `read` and `write`
 * are Deno's synchronous stdin/stdout calls, bound before any Python ran; `exit` ends the process
 * when the host closes stdin.
 */
export function openChannel({ read, write, exit, token: givenToken }) {
  const decoder = new TextDecoder();
  let storage = new ArrayBuffer(INITIAL_CAPACITY);
  let bytes = new Uint8Array(storage);
  let capacity = INITIAL_CAPACITY;
  let start = 0;
  let end = 0;

  function readLine() {
    for (;;) {
      const newline = typedIndexOf(bytes, NEWLINE, start);
      if (newline >= 0 && newline < end) {
        const line = decode(decoder, new Uint8Array(storage, start, newline - start));
        start = newline + 1;
        return line;
      }
      makeRoom();
      const count = read(new Uint8Array(storage, end, capacity - end));
      if (count === null || count === 0) exit(0);
      end += count;
    }
  }

  // Moves the unread bytes to the front, growing the buffer when they fill it.
  function makeRoom() {
    if (end < capacity) return;
    const unread = end - start;
    const nextCapacity = unread * 2 > capacity ? capacity * 2 : capacity;
    const nextStorage = new ArrayBuffer(nextCapacity);
    const nextBytes = new Uint8Array(nextStorage);
    typedSet(nextBytes, new Uint8Array(storage, start, unread), 0);
    storage = nextStorage;
    bytes = nextBytes;
    capacity = nextCapacity;
    start = 0;
    end = unread;
  }

  // A sandbox thread is handed its token by the shared process; a sandbox process reads it first.
  const token = typeof givenToken === "string" ? givenToken : jsonParse(readLine()).token;
  // The token's line stays in the buffer until overwritten: clear it.
  typedFill(bytes, 0);
  const prefix = encode(`\n${token}`);
  const prefixLength = typedLength(prefix);

  function readMessage() {
    try {
      return jsonParse(readLine());
    } catch {
      return undefined;
    }
  }

  function send(json) {
    const body = encode(json);
    const bodyLength = typedLength(body);
    const total = prefixLength + bodyLength + 1;
    const lineStorage = new ArrayBuffer(total);
    const line = new Uint8Array(lineStorage);
    typedSet(line, prefix, 0);
    typedSet(line, body, prefixLength);
    line[total - 1] = NEWLINE;
    let offset = 0;
    while (offset < total) offset += write(new Uint8Array(lineStorage, offset, total - offset));
  }

  // The one place the sandbox's messages are assembled. `id`s come from the host's requests
  // (numbers); anything else becomes 0, which no request of the host's has.
  const envelope = (type, id, fields) => `{"type":${quote(type)},"id":${typeof id === "number" ? id : 0}${fields}}`;

  return {
    readMessage,
    /** `requestJson` is one JSON object on one line (checked by the caller). */
    sendToolCall: (id, requestJson) => send(envelope("tool-call", id, `,"request":${requestJson}`)),
    /** `resultJson` is one JSON object on one line (checked by the caller). */
    sendResult: (id, logs, resultJson) => send(envelope("result", id, `,"logs":${quote(logs)},"result":${resultJson}`)),
    sendReady: (pyodideVersion) => send(envelope("ready", 0, `,"pyodideVersion":${quote(pyodideVersion)}`)),
    sendFatal: (id, message) => send(envelope("fatal", id, `,"message":${quote(message)}`)),
    sendError: (id, message) => send(envelope("error", id, `,"message":${quote(message)}`)),
    sendDone: (id) => send(envelope("done", id, "")),
  };
}

/**
 * A string as JSON text. The serialiser looks nothing up for a string primitive (no `toJSON`, no
 * wrapper object's prototype); anything else is not ours to send and becomes an empty string.
 */
export function quote(text) {
  return jsonStringify(typeof text === "string" ? text : "");
}

/** Whether `json` is one JSON object on one line: the only JSON text the sandbox splices into a line. */
export function isObjectLine(json) {
  if (typeof json !== "string" || stringIndexOf(json, "\n") >= 0 || stringIndexOf(json, "\r") >= 0) return false;
  try {
    const value = jsonParse(json);
    return typeof value === "object" && value !== null && !isArray(value);
  } catch {
    return false;
  }
}
