import { ApiError, NetworkError, toApiError } from "./errors";

// Server-sent events over `fetch`: EventSource cannot send an Authorization header,
// so the stream is read from a signed request and parsed here (the WHATWG
// "event stream interpretation" rules, minus `retry` handling).

export interface SseEvent {
  /** The `id:` of this event, or the last one seen before it (SSE semantics). */
  id: string | null;
  /** `event:` field; "message" when absent. */
  event: string;
  data: string;
}

/** Incremental parser: feed it decoded text in any chunking, get whole events back. */
export class SseParser {
  /** The last `id:` seen; send it as `Last-Event-ID` to resume. */
  lastEventId: string | null = null;
  #buffer = "";
  #event = "";
  #data: string[] = [];
  #hasData = false;

  feed(chunk: string): SseEvent[] {
    this.#buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#buffer);
      if (match === null) break;
      // A lone "\r" at the end of the buffer may be the start of "\r\n": wait for more.
      if (match[0] === "\r" && match.index === this.#buffer.length - 1) break;
      const line = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      const event = this.#line(line);
      if (event !== null) events.push(event);
    }
    return events;
  }

  #line(line: string): SseEvent | null {
    if (line === "") return this.#dispatch();
    if (line.startsWith(":")) return null; // comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.#event = value;
        break;
      case "data":
        this.#data.push(value);
        this.#hasData = true;
        break;
      case "id":
        if (!value.includes("\0")) this.lastEventId = value;
        break;
      default:
        break; // `retry` and unknown fields are ignored
    }
    return null;
  }

  #dispatch(): SseEvent | null {
    const event = this.#event;
    const data = this.#data.join("\n");
    const hasData = this.#hasData;
    this.#event = "";
    this.#data = [];
    this.#hasData = false;
    if (!hasData) return null;
    return { id: this.lastEventId, event: event === "" ? "message" : event, data };
  }
}

export interface FollowOptions {
  /** Signs the request (the session's fetch: bearer token, one refresh on 401). */
  fetch: (request: Request) => Promise<Response>;
  url: string;
  onEvent: (event: SseEvent) => void;
  /** Event types after which the stream is over (no reconnect). */
  terminal: ReadonlySet<string>;
  signal: AbortSignal;
  /** Reconnect attempts after a dropped connection, with a growing delay. */
  maxRetries?: number;
  retryDelayMs?: number;
}

/** The stream ended before a terminal event and the reconnects ran out. */
export class StreamError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StreamError";
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new DOMException("Aborted", "AbortError"));
      },
      { once: true },
    );
  });
}

/**
 * Follows an event stream until a terminal event, resuming with `Last-Event-ID`
 * after a dropped connection. Resolves with the terminal event's type; rejects when
 * the server refuses the stream (4xx) or the retries run out.
 */
export async function followEventStream(options: FollowOptions): Promise<string> {
  const { maxRetries = 5, retryDelayMs = 500 } = options;
  const parser = new SseParser();
  let failures = 0;
  for (;;) {
    const headers = new Headers({ Accept: "text/event-stream" });
    if (parser.lastEventId !== null) headers.set("Last-Event-ID", parser.lastEventId);
    let error: unknown = null;
    try {
      const response = await options.fetch(new Request(options.url, { headers, signal: options.signal }));
      if (!response.ok || response.body === null) {
        const body: unknown = await response.json().catch(() => null);
        const failure = toApiError(response.status, body);
        if (response.status < 500) throw failure; // refused: retrying will not help
        error = failure;
      } else {
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const event of parser.feed(value)) {
            failures = 0;
            options.onEvent(event);
            if (options.terminal.has(event.event)) {
              await reader.cancel().catch(() => {});
              return event.event;
            }
          }
        }
      }
    } catch (caught) {
      if (options.signal.aborted || (caught instanceof ApiError && caught.status < 500)) throw caught;
      error = caught;
    }
    failures += 1;
    if (failures > maxRetries) {
      throw error instanceof ApiError || error instanceof NetworkError
        ? error
        : new StreamError("the event stream ended early", { cause: error });
    }
    await sleep(retryDelayMs * failures, options.signal);
  }
}

/** Any declared stream event: every one carries its `type` (the SSE `event:` field). */
export interface TypedEvent {
  type: string;
}

/**
 * The `data` of an event as the declared model it is (see the stream's union in the
 * generated schema, e.g. `JobStreamEvent` in ./types), or null when it is not JSON
 * or its `type` disagrees with the event's name.
 */
export function eventData<T extends TypedEvent>(event: SseEvent): T | null {
  try {
    const value: unknown = JSON.parse(event.data);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
    const typed = value as Partial<TypedEvent>;
    return typed.type === event.event ? (value as T) : null;
  } catch {
    return null;
  }
}
