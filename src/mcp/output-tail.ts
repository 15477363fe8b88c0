/** The last few lines a server wrote to stderr, kept to explain why it failed. */
export class OutputTail {
  private buffer = "";

  constructor(private readonly maxChars = 2000) {}

  push(text: string): void {
    this.buffer = (this.buffer + text).slice(-this.maxChars);
  }

  /** The kept output, trimmed, with its lines joined by " | " so it fits in one message. */
  text(): string {
    return this.buffer
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "")
      .slice(-10)
      .join(" | ");
  }
}
