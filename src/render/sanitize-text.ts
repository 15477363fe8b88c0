import { stripVTControlCharacters } from "node:util";

// C0 controls except tab and newline, DEL, and C1 controls: none of them belong in a terminal
// transcript, and some (ESC, BEL, CSI) would let printed text drive the user's terminal.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Makes text that came from the model, the sandbox or a tool safe to print: ANSI escape
 * sequences and other control characters are removed, and carriage returns become line breaks
 * (a progress bar that redraws itself with `\r` prints as successive lines).
 *
 * @param text - Untrusted text.
 * @returns The text without any escape sequence or control character other than `\n` and `\t`.
 */
export function sanitizeText(text: string): string {
  return stripVTControlCharacters(text).replace(/\r\n?/g, "\n").replace(CONTROL_CHARACTERS, "");
}
