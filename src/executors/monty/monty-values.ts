/**
 * Values as Monty hands them to JavaScript (`Map` for dict, arrays marked `__tuple__`, `Set`,
 * `Buffer`, `bigint`, `{ __monty_type__ }` objects) turned into what the model and the host see:
 * the JSON-like values of the Pyodide executor, and Python's text for everything else.
 */
import { BYTES_TAG, fromWire, IMAGE_TAG } from "../wire-values.js";

const SAFE_INTEGER = 2 ** 53;
const MAX_DEPTH = 64;

/** A Monty marker object: `{ __monty_type__: "Date", year, month, day }` and the like. */
type Marker = Record<string, unknown> & { __monty_type__: string };

/** A value's JSON would be longer than the budget {@link toPlain} was given. */
export class ValueTooLargeError extends Error {
  override readonly name = "ValueTooLargeError";
}

/**
 * Converts a Monty value into a JSON-compatible one, as the Pyodide executor does: dicts become
 * objects (keys as text), lists and tuples arrays, integers beyond 2^53 exact strings, bytes and
 * image dicts their tagged wire form (`wire-values.ts`), and anything else without a JSON form
 * (sets, dates, non-finite floats, ...) its Python repr.
 *
 * Monty hands over a list holding one inner list 10,000 times as 10,000 copies, so the walk keeps
 * a running count of the JSON characters it has produced (a lower bound: escapes only add) and
 * throws {@link ValueTooLargeError} once it passes `maxChars`, before building more. It is
 * iterative, so nesting cannot overflow the stack.
 */
export function toPlain(value: unknown, maxChars = Infinity): unknown {
  let chars = 0;
  const count = (added: number) => {
    chars += added;
    if (chars > maxChars) throw new ValueTooLargeError(`more than ${maxChars} characters as JSON`);
  };
  const root: Record<string, unknown> = {};
  const pending: [Record<string | number, unknown>, string | number, unknown, number][] = [[root, "value", value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [holder, key, item, depth] = next;
    if (typeof key === "string") count(key.length + 4);
    else count(1);
    const leaf = plainLeaf(item, depth);
    if (leaf !== CONTAINER) {
      // A bytes or image tag is an object whose base64 text is most of its length.
      count(typeof leaf === "string" ? leaf.length + 2 : typeof leaf === "object" && leaf !== null ? JSON.stringify(leaf).length : String(leaf).length);
      setOwn(holder, key, leaf);
    } else if (Array.isArray(item)) {
      count(2);
      const array = new Array<unknown>(item.length);
      setOwn(holder, key, array);
      for (let index = item.length - 1; index >= 0; index--) pending.push([array as unknown as Record<number, unknown>, index, item[index], depth + 1]);
    } else {
      count(2);
      const object: Record<string, unknown> = {};
      setOwn(holder, key, object);
      const entries = [...(item as Map<unknown, unknown>)];
      for (let index = entries.length - 1; index >= 0; index--) {
        const [entryKey, entryValue] = entries[index]!;
        const name = typeof entryKey === "string" ? entryKey : pythonStr(toPlain(entryKey, maxChars - chars));
        pending.push([object, name, entryValue, depth + 1]);
      }
    }
  }
  return root["value"];
}

const CONTAINER = Symbol("container");

/** The plain form of a value that holds no others, or {@link CONTAINER} for a list, tuple or dict to walk. */
function plainLeaf(value: unknown, depth: number): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : pythonRepr(value);
  if (typeof value === "bigint") return value >= -SAFE_INTEGER && value <= SAFE_INTEGER ? Number(value) : value.toString();
  if (depth >= MAX_DEPTH) return pythonRepr(value);
  if (Buffer.isBuffer(value)) return { [BYTES_TAG]: value.toString("base64") };
  if (isImageDict(value)) return { [IMAGE_TAG]: value.get("data").toString("base64"), mediaType: value.get("media_type") };
  if (Array.isArray(value) || value instanceof Map) return CONTAINER;
  return pythonRepr(value);
}

/** Sets `key` as an own property, even `__proto__`, whose assignment would set the prototype instead. */
function setOwn(target: Record<string | number, unknown>, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * An image in Monty, which has no classes: a dict `{"type": "image", "media_type": "image/png",
 * "data": b"..."}` with exactly these keys.
 */
function isImageDict(value: unknown): value is Map<string, unknown> & { get(key: "data"): Buffer; get(key: "media_type"): string } {
  return (
    value instanceof Map &&
    value.size === 3 &&
    value.get("type") === "image" &&
    typeof value.get("media_type") === "string" &&
    Buffer.isBuffer(value.get("data"))
  );
}

/**
 * A value from the host (parsed JSON) as Monty takes it: bytes as `bytes`, an image as its dict.
 * Throws a `WireValueError` when a tag is malformed.
 */
export function fromHost(value: unknown): unknown {
  return fromWire(value, { image: (data, mediaType) => ({ type: "image", media_type: mediaType, data }) });
}

/** Python's `str()` of a plain value. */
function pythonStr(value: unknown): string {
  return typeof value === "string" ? value : pythonRepr(value);
}

/** Python's `repr()` of a Monty value (or a plain value made from one). */
export function pythonRepr(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return floatRepr(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return stringRepr(value);
  if (depth >= MAX_DEPTH) return "...";
  const inner = (item: unknown) => pythonRepr(item, depth + 1);
  if (Buffer.isBuffer(value)) return bytesRepr(value);
  if (Array.isArray(value)) {
    const items = value.map(inner);
    if (!isTuple(value)) return `[${items.join(", ")}]`;
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
  }
  if (value instanceof Map) return `{${[...value].map(([key, item]) => `${inner(key)}: ${inner(item)}`).join(", ")}}`;
  if (value instanceof Set) return value.size === 0 ? "set()" : `{${[...value].map(inner).join(", ")}}`;
  if (isMarker(value)) return markerRepr(value);
  if (typeof value === "object") {
    return `{${Object.entries(value).map(([key, item]) => `${stringRepr(key)}: ${inner(item)}`).join(", ")}}`;
  }
  return String(value);
}

/** True for a JS array that stands for a Python tuple. */
export function isTuple(value: unknown): boolean {
  return Array.isArray(value) && (value as unknown as { __tuple__?: unknown }).__tuple__ === true;
}

/** True for a `{ __monty_type__ }` marker object. */
export function isMarker(value: unknown): value is Marker {
  return typeof value === "object" && value !== null && typeof (value as { __monty_type__?: unknown }).__monty_type__ === "string";
}

function floatRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  // JavaScript writes 1e-7 where Python writes 1e-07.
  return String(value).replace(/e([+-])(\d)$/, "e$10$2");
}

function stringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === "\\") body += "\\\\";
    else if (char === quote) body += `\\${quote}`;
    else if (char === "\n") body += "\\n";
    else if (char === "\r") body += "\\r";
    else if (char === "\t") body += "\\t";
    else if (code < 0x20 || code === 0x7f) body += `\\x${code.toString(16).padStart(2, "0")}`;
    else body += char;
  }
  return `${quote}${body}${quote}`;
}

function bytesRepr(bytes: Buffer): string {
  let body = "";
  for (const byte of bytes) {
    if (byte === 0x5c) body += "\\\\";
    else if (byte === 0x27) body += "\\'";
    else if (byte === 0x0a) body += "\\n";
    else if (byte === 0x0d) body += "\\r";
    else if (byte === 0x09) body += "\\t";
    else if (byte < 0x20 || byte >= 0x7f) body += `\\x${byte.toString(16).padStart(2, "0")}`;
    else body += String.fromCharCode(byte);
  }
  return `b'${body}'`;
}

function markerRepr(marker: Marker): string {
  const field = (name: string) => Number(marker[name] ?? 0);
  switch (marker.__monty_type__) {
    case "Ellipsis":
      return "Ellipsis";
    case "Exception":
      return `${String(marker.excType)}(${marker.message ? stringRepr(String(marker.message)) : ""})`;
    case "Type":
      return `<class '${String(marker.value)}'>`;
    case "BuiltinFunction":
      return `<built-in function ${String(marker.value)}>`;
    case "Date":
      return `datetime.date(${field("year")}, ${field("month")}, ${field("day")})`;
    case "DateTime": {
      const parts = [field("year"), field("month"), field("day"), field("hour"), field("minute")];
      if (field("second") !== 0 || field("microsecond") !== 0) parts.push(field("second"));
      if (field("microsecond") !== 0) parts.push(field("microsecond"));
      const zone = marker.offsetSeconds === undefined ? "" : `, tzinfo=${timezoneRepr(field("offsetSeconds"))}`;
      return `datetime.datetime(${parts.join(", ")}${zone})`;
    }
    case "TimeDelta": {
      const parts = (["days", "seconds", "microseconds"] as const).filter((name) => field(name) !== 0).map((name) => `${name}=${field(name)}`);
      return `datetime.timedelta(${parts.join(", ")})`;
    }
    case "TimeZone":
      return timezoneRepr(field("offsetSeconds"));
    default:
      return `<${marker.__monty_type__}>`;
  }
}

function timezoneRepr(offsetSeconds: number): string {
  return offsetSeconds === 0 ? "datetime.timezone.utc" : `datetime.timezone(datetime.timedelta(seconds=${offsetSeconds}))`;
}
