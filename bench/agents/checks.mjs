// Tolerant answer checks. A model may answer 42, "42", "42.0 EUR" or "1,234.50"; "Lyon",
// " lyon." or ["Lyon"]; a list as an array or as "a, b and c". Each check returns a function
// `(output) => boolean`.

/** A number within `tolerance` (absolute) of `expected`. */
export function numberAnswer(expected, { tolerance = 0.01 } = {}) {
  return (output) => {
    const value = toNumber(output);
    return value !== undefined && Math.abs(value - expected) <= tolerance;
  };
}

/** An amount of money: within 0.05 or 0.2 %, whichever is larger, to allow rounding per item. */
export function moneyAnswer(expected) {
  return numberAnswer(expected, { tolerance: Math.max(0.05, Math.abs(expected) * 0.002) });
}

/** A word or name, ignoring case, spacing, quotes and a final full stop. */
export function textAnswer(expected, ...aliases) {
  const accepted = new Set([expected, ...aliases].map(normalizeText));
  return (output) => {
    const value = unwrap(output);
    return (typeof value === "string" || typeof value === "number") && accepted.has(normalizeText(String(value)));
  };
}

/** The same items in any order: an array, or a string like "a, b and c" (so no item may hold a comma or "and"). */
export function listAnswer(expected) {
  const want = [...new Set(expected.map(normalizeText))].sort();
  return (output) => {
    const items = toItems(output);
    if (items === undefined) return false;
    const got = [...new Set(items.map(normalizeText).filter((item) => item !== ""))].sort();
    return got.length === want.length && got.every((item, index) => item === want[index]);
  };
}

/** The number an answer holds: a number, a numeric string, or a short text with exactly one number. */
export function toNumber(output) {
  const value = unwrap(output);
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || value.length > 80) return undefined;
  const text = value.replace(/[\u2212\u2012\u2013]/g, "-").replace(/(\d)[,_\u00a0\u202f ](?=\d{3}\b)/g, "$1");
  const numbers = text.match(/-?\d+(?:\.\d+)?/g) ?? [];
  return numbers.length === 1 ? Number(numbers[0]) : undefined;
}

function toItems(output) {
  if (Array.isArray(output)) return output.every((item) => typeof item === "string" || typeof item === "number") ? output.map(String) : undefined;
  if (typeof output !== "string") return undefined;
  return output.split(/\s*(?:,|;|\n|\band\b)\s*/i);
}

/** A one-element array or a one-key object stands for its value (`["Lyon"]`, `{ answer: 42 }`). */
function unwrap(output) {
  if (Array.isArray(output) && output.length === 1) return unwrap(output[0]);
  if (typeof output === "object" && output !== null && !Array.isArray(output)) {
    const values = Object.values(output);
    if (values.length === 1) return unwrap(values[0]);
  }
  return output;
}

function normalizeText(text) {
  return String(text)
    .normalize("NFKC")
    .trim()
    .replace(/^["'`\s]+|["'`\s.]+$/g, "")
    .replace(/\s+/g, " ")
    .toLowerCase();
}
