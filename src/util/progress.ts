/**
 * A one-line progress counter for a terminal: rewritten in place with a carriage return, erased
 * when done, so stderr holds no progress noise afterwards. Only used when stderr is a TTY.
 */
export interface ProgressLine {
  update(text: string): void;
  done(): void;
}

export interface ProgressStream {
  write(chunk: string): unknown;
  columns?: number;
}

/** Rewrites at most every `intervalMs` (a plan of thousands of tags must not flood the terminal). */
export function createProgressLine(stream: ProgressStream, intervalMs = 80): ProgressLine {
  let last = 0;
  let shown = false;
  let pending: string | null = null;
  const draw = (text: string): void => {
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    const line = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    // \x1b[2K erases the whole line so a shorter text leaves no tail of the previous one.
    stream.write(`\r\x1b[2K${line}`);
    shown = true;
    last = Date.now();
    pending = null;
  };
  return {
    update(text) {
      if (Date.now() - last >= intervalMs) draw(text);
      else pending = text;
    },
    done() {
      if (pending !== null) pending = null;
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
