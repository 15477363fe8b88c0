import { stripVTControlCharacters } from "node:util";

import type { Colors } from "./colors.js";

/** Options of {@link frameLines}. */
export interface FrameOptions {
  /** Shown in the top border. */
  title: string;
  /** The content, one string per line, already coloured if it should be. */
  lines: readonly string[];
  /** Total width of the borders, in columns. */
  width: number;
  /** Colours the border and title. */
  border: (text: string) => string;
  /** Numbers the lines (for code). */
  lineNumbers?: boolean;
  colors: Colors;
}

/**
 * A block with a titled top border, a left border and a bottom border. There is no right border,
 * so lines of any width (wide characters, escapes) never break the frame.
 *
 * ```
 * ╭─ Code · python ─────────
 * │ 1 │ x = 1
 * │ 2 │ print(x)
 * ╰─────────────────────────
 * ```
 *
 * @returns The block's lines.
 */
export function frameLines(options: FrameOptions): string[] {
  const { title, lines, width, border, colors } = options;
  const top = `╭─ ${title} `;
  const digits = String(lines.length).length;
  const body = lines.map((line, index) => {
    const number = options.lineNumbers ? `${colors.dim(String(index + 1).padStart(digits))} ${colors.dim("│")} ` : "";
    return `${border("│")} ${number}${line}`;
  });
  return [border(`${top}${"─".repeat(Math.max(3, width - stripVTControlCharacters(top).length))}`), ...body, border(`╰${"─".repeat(Math.max(3, width - 1))}`)];
}

/**
 * A heading rule: `━━ Step 3 · action ━━━━━━━━━━━━ +12.0s`.
 *
 * @param title - Text after the first two bars.
 * @param width - Total width in columns.
 * @param trailer - Optional text at the end of the rule.
 */
export function headingRule(title: string, width: number, trailer?: string): string {
  const start = `━━ ${title} `;
  const end = trailer ? ` ${trailer}` : "";
  return `${start}${"━".repeat(Math.max(3, width - start.length - end.length))}${end}`;
}
