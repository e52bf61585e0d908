/**
 * The engine's pull and push answer is a stream of JSON messages, one a line (Docker's jsonmessage): status lines,
 * per-layer progress, and on failure an `errorDetail`/`error` message. Read incrementally: lines go to the task as
 * they come, bytes add up per layer, and an error message fails the step with the engine's own text.
 */
import type { IncomingMessage } from 'node:http';

/** One message of the stream (the fields regsync reads). */
export interface ProgressMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/** Adds up the bytes of a stream: the highest `current` each layer reported while downloading or pushing. */
export class ByteCounter {
  private readonly perLayer = new Map<string, number>();

  /** Notes one message; true when the total changed. */
  note(message: ProgressMessage): boolean {
    const current = message.progressDetail?.current;
    if (typeof current !== 'number' || message.id === undefined) return false;
    if (message.status !== 'Downloading' && message.status !== 'Pushing') return false;
    const before = this.perLayer.get(message.id) ?? 0;
    if (current <= before) return false;
    this.perLayer.set(message.id, current);
    return true;
  }

  get total(): number {
    let sum = 0;
    for (const bytes of this.perLayer.values()) sum += bytes;
    return sum;
  }
}

/**
 * A message as the docker CLI prints it without a terminal (`ID: Status`), or null for a progress-bar update the CLI
 * shows only on a terminal.
 */
export function progressLine(message: ProgressMessage): string | null {
  if (message.status === undefined || message.status === '') return null;
  if (typeof message.progressDetail?.current === 'number') return null;
  return message.id !== undefined && message.id !== '' ? `${message.id}: ${message.status}` : message.status;
}

/** The engine's error in a message, if it is one. */
export function messageError(message: ProgressMessage): string | null {
  const detail = message.errorDetail?.message;
  if (typeof detail === 'string' && detail !== '') return detail;
  return typeof message.error === 'string' && message.error !== '' ? message.error : null;
}

/** A stream ended before the engine said it was done (the engine stopped or the connection broke). */
export class StreamBroken extends Error {}

/**
 * Reads the stream to its end: each message goes to `onMessage`; resolves with the engine's error message (the
 * first one), or null when the stream ended without one. A broken stream rejects (StreamBroken, or the abort).
 */
export async function readProgress(response: IncomingMessage, onMessage: (message: ProgressMessage) => void): Promise<string | null> {
  let pending = '';
  let failure: string | null = null;
  const take = (line: string): void => {
    const text = line.trim();
    if (text === '') return;
    let message: ProgressMessage;
    try {
      message = JSON.parse(text) as ProgressMessage;
    } catch {
      return;
    }
    failure ??= messageError(message);
    onMessage(message);
  };
  response.setEncoding('utf8');
  try {
    for await (const chunk of response) {
      pending += chunk as string;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) take(line);
    }
  } catch (error) {
    if ((error as { name?: string }).name === 'AbortError') throw error;
    throw new StreamBroken(`the engine's answer broke off: ${(error as Error).message}`);
  }
  if (!response.complete) throw new StreamBroken("the engine's answer broke off before its end");
  take(pending);
  return failure;
}
