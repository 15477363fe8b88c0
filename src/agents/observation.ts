import type { CodeError, CodeOutput } from "../executors/executor.js";
import { BYTES_TAG } from "../executors/wire-values.js";
import { truncateMiddle } from "./truncate.js";

/**
 * What the model reads after its code ran: the logs, the last value, then the labels of the images
 * the step produced (they go with the observation as image content).
 */
export function formatObservation(result: CodeOutput, maxValueChars: number, imageLabels: readonly string[] = []): string {
  const parts: string[] = [];
  if (result.logs) parts.push(`Execution logs:\n${result.logs.replace(/\n$/, "")}`);
  if (result.output !== null && result.output !== undefined) {
    parts.push(`Last output from code snippet:\n${truncateMiddle(formatValue(result.output), maxValueChars)}`);
  }
  if (imageLabels.length > 0) parts.push(`Images from this step, attached below:\n${imageLabels.join("\n")}`);
  return parts.length > 0 ? parts.join("\n") : "The code ran and printed nothing; its last line had no value.";
}

/** A value as the model reads it: strings as they are, everything else as JSON, bytes in short. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return bytesText(value, value.byteLength);
  try {
    return (
      JSON.stringify(
        value,
        function (this: Record<string, unknown>, key, item: unknown) {
          const original = this[key];
          if (original instanceof Uint8Array) return bytesText(original, original.byteLength);
          // Bytes in their wire form: only the head is decoded.
          if (!isWireBytes(original)) return item;
          const base64 = original[BYTES_TAG];
          const length = Math.floor((base64.length * 3) / 4) - (base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0);
          return bytesText(Buffer.from(base64.slice(0, 44), "base64"), length);
        },
        1,
      ) ?? String(value)
    );
  } catch {
    return String(value);
  }
}

const BYTES_SHOWN = 32;

/** `<3 bytes: 01 02 ff>`: the size and the first bytes of `head` in hex. */
function bytesText(head: Uint8Array, length: number): string {
  const hex = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, BYTES_SHOWN)).toString("hex").replace(/(..)(?!$)/g, "$1 ");
  const more = length > BYTES_SHOWN ? " …" : "";
  return `<${length.toLocaleString("en-US")} bytes${length > 0 ? `: ${hex}${more}` : ""}>`;
}

function isWireBytes(value: unknown): value is { [BYTES_TAG]: string } {
  return typeof value === "object" && value !== null && typeof (value as Record<string, unknown>)[BYTES_TAG] === "string" && Object.keys(value).length === 1;
}

/** An error as the model reads it, with the nudge to try differently. */
export function formatErrorObservation(error: CodeError): string {
  return `${error.type}: ${error.message}\nFix the cause and try again; if the same approach keeps failing, try a different one.`;
}
