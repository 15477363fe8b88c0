/** How much of a long value to keep. */
export interface CutLimits {
  /** Characters kept in all, head and tail together. */
  maxChars: number;
  /** Lines kept in all, head and tail together. */
  maxLines: number;
}

/** A value cut in the middle: print `head`, then `note` (when set), then `tail`. */
export interface CutText {
  head: string;
  /** Empty when nothing was cut. */
  tail: string;
  /** Says what was left out, e.g. `… 420 lines cut (31,077 characters) …`; absent when nothing was. */
  note?: string;
}

/**
 * Cuts a long text in the middle, keeping its head and its tail, so that a user sees how output
 * began and how it ended. Cuts at line breaks when there are too many lines, then within lines
 * when the kept lines are still too long.
 *
 * @param text - The text to cut.
 * @param limits - What to keep at most.
 * @returns The kept parts and a note saying what was cut.
 */
export function cutMiddle(text: string, limits: CutLimits): CutText {
  const maxChars = Math.max(2, Math.floor(limits.maxChars));
  const maxLines = Math.max(2, Math.floor(limits.maxLines));
  const lines = text.split("\n");
  if (text.length <= maxChars && lines.length <= maxLines) return { head: text, tail: "" };

  let headEnd: number;
  let tailStart: number;
  if (lines.length > maxLines) {
    const headLines = Math.ceil(maxLines / 2);
    headEnd = lines.slice(0, headLines).join("\n").length;
    tailStart = text.length - lines.slice(lines.length - (maxLines - headLines)).join("\n").length;
  } else {
    headEnd = text.length;
    tailStart = text.length;
  }
  const headBudget = Math.ceil(maxChars / 2);
  const tailBudget = maxChars - headBudget;
  if (headEnd + (text.length - tailStart) > maxChars) {
    if (lines.length > maxLines) {
      headEnd = Math.min(headEnd, headBudget);
      tailStart = Math.max(tailStart, text.length - tailBudget);
    } else {
      headEnd = headBudget;
      tailStart = text.length - tailBudget;
    }
  }
  const head = text.slice(0, headEnd);
  const tail = text.slice(tailStart);
  return { head, tail, note: describeCut(text, head, tail) };
}

function describeCut(text: string, head: string, tail: string): string {
  const characters = (text.length - head.length - tail.length).toLocaleString("en-US");
  const keptLines = countLines(head) + countLines(tail);
  const cutLines = countLines(text) - keptLines;
  if (cutLines <= 0) return `… ${characters} characters cut …`;
  return `… ${cutLines.toLocaleString("en-US")} ${cutLines === 1 ? "line" : "lines"} cut (${characters} characters) …`;
}

function countLines(text: string): number {
  if (text === "") return 0;
  let count = 1;
  for (const character of text) if (character === "\n") count += 1;
  return count;
}
