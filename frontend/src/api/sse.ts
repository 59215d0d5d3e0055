import { ApiError } from "./client";

export type SseEvent = { event: string; data: string; id?: string };

/** Splits a Server-Sent Events stream into events (fields "event", "data" and "id"; comments ignored). */
export function parseSse(buffer: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  const blocks = buffer.replace(/\r\n/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let event = "message";
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
      else if (field === "id" && !value.includes("\0")) id = value;
    }
    if (data.length > 0 || event !== "message") events.push(id === undefined ? { event, data: data.join("\n") } : { event, data: data.join("\n"), id });
  }
  return { events, rest };
}

/** Reads a Server-Sent Events stream (a response body) to its end, handing over each event. */
export async function readSse(stream: ReadableStream<Uint8Array<ArrayBuffer>> | null, onEvent: (e: SseEvent) => void): Promise<void> {
  if (!stream) return;
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parsed = parseSse(buffer + value);
    buffer = parsed.rest;
    parsed.events.forEach(onEvent);
  }
}

export type SseOpen = (lastEventId: string | undefined, signal: AbortSignal) => Promise<ReadableStream<Uint8Array<ArrayBuffer>> | null>;

/**
 * Follows a stream across reconnects, as EventSource does but over fetch (typed client, ProblemDetails): opens it,
 * hands over each event, and opens it again with the id of the last event seen as Last-Event-ID when the server ends
 * it at its time limit (event "reconnect") or the connection drops (after a pause that doubles up to
 * maxDelayMs while nothing comes through). Returns at an "end" or "error" event, or when aborted. A refusal (an HTTP
 * error other than "cannot reach the server") is thrown.
 */
export async function followSse(open: SseOpen, onEvent: (e: SseEvent) => void, signal: AbortSignal,
  { firstDelayMs = 1000, maxDelayMs = 30_000 }: { firstDelayMs?: number; maxDelayMs?: number } = {}): Promise<void> {
  let lastEventId: string | undefined;
  let delay = firstDelayMs;
  while (!signal.aborted) {
    let outcome = "dropped" as "finished" | "reconnect" | "dropped";   // set in the callback
    try {
      const stream = await open(lastEventId, signal);
      await readSse(stream, (e) => {
        if (e.id !== undefined) lastEventId = e.id;
        if (e.event === "end" || e.event === "error") outcome = "finished";
        else if (e.event === "reconnect") outcome = "reconnect";
        delay = firstDelayMs;
        onEvent(e);
      });
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.status !== 0) throw error;
    }
    if (outcome === "finished" || signal.aborted) return;
    if (outcome === "dropped") {
      await new Promise((resume) => setTimeout(resume, delay));
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}
