/**
 * `JSON.stringify` that never throws on what agent events may carry: a `bigint` becomes its
 * decimal string, a cycle becomes `"[Circular]"`, a `Map` a list of entries, a `Set` a list,
 * an `Error` its name and message, a function or symbol a short description, bytes (a
 * `Uint8Array`, as tools and sandboxes give them) `{"__bytes__": base64}`, the form they cross in.
 *
 * Something that still throws (a `toJSON` or a getter that throws) is left to the caller.
 *
 * @param value - Any value.
 * @param space - Indentation, as for `JSON.stringify`.
 * @returns The JSON text, or `undefined` when `value` itself has no JSON form (`undefined`).
 */
export function safeJsonStringify(value: unknown, space?: number): string | undefined {
  return JSON.stringify(value, createReplacer(), space) as string | undefined;
}

interface Ancestor {
  /** The object as the serialiser walks it (after replacement). */
  holder: object;
  /** The object as it was given. */
  original: object;
}

function createReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  const ancestors: Ancestor[] = [];
  return function replace(this: unknown, _key: string, value: unknown): unknown {
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "symbol") return value.toString();
    if (typeof value === "function") return `[Function ${value.name || "anonymous"}]`;
    if (typeof value !== "object" || value === null) return value;
    // Leave the ancestors that are not on the path to this value any more.
    while (ancestors.length > 0 && ancestors.at(-1)!.holder !== this) ancestors.pop();
    if (ancestors.some((ancestor) => ancestor.original === value)) return "[Circular]";
    const replaced = replaceObject(value);
    ancestors.push({ holder: replaced, original: value });
    return replaced;
  };
}

function replaceObject(value: object): object {
  if (value instanceof Map) return Array.from(value.entries());
  if (value instanceof Set) return Array.from(value.values());
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value instanceof Uint8Array) return { __bytes__: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  return value;
}
