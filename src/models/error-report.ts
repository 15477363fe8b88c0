/**
 * Errors that providers report as data rather than as HTTP statuses: an `error` event inside a
 * stream, `{ error: { message, type, code } }` (OpenAI-style), `{ type, message }` (Anthropic-style)
 * or TGI's `{ error, error_type }`. Adapters read their words and whether trying again can help.
 */
import { isRetryableStatus } from "./retrying-call.js";

/** Error types that trying again later can fix: a server fault, an overload, a rate limit, a time-out. */
const RETRYABLE_TYPE = /^(server_error|api_error|internal(_server)?_error|overloaded(_error)?|rate_limit(_exceeded|_error)?|timeout(_error)?|service_unavailable)$/i;

/** The fields of a report that can classify it: its own, then its nested `error` object's. */
function classifyingFields(report: unknown): unknown[] {
  if (typeof report !== "object" || report === null) return [];
  const outer = report as { type?: unknown; code?: unknown; status?: unknown; statusCode?: unknown; error_type?: unknown; error?: unknown };
  const inner = (typeof outer.error === "object" && outer.error !== null ? outer.error : {}) as typeof outer;
  return [outer.error_type, outer.type, outer.code, outer.status, outer.statusCode, inner.type, inner.code, inner.status, inner.statusCode];
}

/**
 * Whether an error report is worth trying again: its type (or code) names an overload, a server
 * fault or a rate limit, or it carries a 5xx, 408, 409 or 429 status.
 */
export function isRetryableErrorReport(report: unknown): boolean {
  return classifyingFields(report).some((value) => {
    if (typeof value === "string" && RETRYABLE_TYPE.test(value)) return true;
    const status = typeof value === "number" ? value : typeof value === "string" && /^\d{3}$/.test(value) ? Number(value) : undefined;
    return status !== undefined && status >= 400 && isRetryableStatus(status);
  });
}

/** The words of an error report: its `message`, its nested error's, a string `error`, else the report as JSON. */
export function errorReportMessage(report: unknown): string {
  if (report instanceof Error) return report.message;
  if (typeof report === "string") return report;
  if (typeof report !== "object" || report === null) return String(report);
  const { message, error } = report as { message?: unknown; error?: unknown };
  const nested = typeof error === "object" && error !== null ? (error as { message?: unknown }).message : error;
  for (const candidate of [message, nested]) if (typeof candidate === "string" && candidate.trim() !== "") return candidate.trim();
  try {
    return JSON.stringify(report);
  } catch {
    return String(report);
  }
}
