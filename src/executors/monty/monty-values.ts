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

/**
 * Converts a Monty value into a JSON-compatible one, as the Pyodide executor does: dicts become
 * objects (keys as text), lists and tuples arrays, integers beyond 2^53 exact strings, bytes and
 * image dicts their tagged wire form (`wire-values.ts`), and anything else without a JSON form
 * (sets, dates, non-finite floats, ...) its Python repr.
 */
export function toPlain(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : pythonRepr(value);
  if (typeof value === "bigint") return value >= -SAFE_INTEGER && value <= SAFE_INTEGER ? Number(value) : value.toString();
  if (depth >= MAX_DEPTH) return pythonRepr(value);
  if (Buffer.isBuffer(value)) return { [BYTES_TAG]: value.toString("base64") };
  if (Array.isArray(value)) return value.map((item) => toPlain(item, depth + 1));
  if (isImageDict(value)) return { [IMAGE_TAG]: value.get("data").toString("base64"), mediaType: value.get("media_type") };
  if (value instanceof Map) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of value) setOwn(result, typeof key === "string" ? key : pythonStr(toPlain(key, depth + 1)), toPlain(item, depth + 1));
    return result;
  }
  return pythonRepr(value);
}

/** Sets `key` as an own property, even `__proto__`, whose assignment would set the prototype instead. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
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
