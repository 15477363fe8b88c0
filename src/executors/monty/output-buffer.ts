/** Collects printed text up to a limit, counting what it drops; the note is the Pyodide executor's. */
export class OutputBuffer {
  private text = "";
  private dropped = 0;

  constructor(private readonly maxChars: number) {}

  /** Monty's print callback: it must return undefined. */
  readonly append = (_stream: string, piece: string): undefined => {
    const room = this.maxChars - this.text.length;
    if (piece.length <= room) this.text += piece;
    else {
      if (room > 0) this.text += piece.slice(0, room);
      this.dropped += piece.length - Math.max(room, 0);
    }
    return undefined;
  };

  /** Everything kept, with a note saying how much was cut. */
  logs(): string {
    if (this.dropped === 0) return this.text;
    return `${this.text}\n[output truncated: ${this.dropped} more characters were printed than the ${this.maxChars}-character limit]\n`;
  }
}
