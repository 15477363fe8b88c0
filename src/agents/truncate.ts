/**
 * Shortens `text` to about `limit` characters, keeping its head and its tail (where results and
 * errors usually are) and saying how much was cut from the middle.
 */
export function truncateMiddle(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const keep = Math.max(limit - 60, 0);
  const head = Math.ceil(keep * 0.6);
  const tail = keep - head;
  const cut = text.length - head - tail;
  return `${text.slice(0, head)}\n… [${cut} characters cut] …\n${tail > 0 ? text.slice(-tail) : ""}`;
}
