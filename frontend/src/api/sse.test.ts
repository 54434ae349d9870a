import { eventData, followEventStream, SseParser } from "./sse";
import type { SseEvent } from "./sse";

function feedAll(parser: SseParser, chunks: string[]): SseEvent[] {
  return chunks.flatMap((chunk) => parser.feed(chunk));
}

describe("SseParser", () => {
  it("parses the server's events (event, data, id in any order)", () => {
    const parser = new SseParser();
    const events = parser.feed(
      'event: status\ndata: {"status": "queued"}\nid: 1\n\nevent: progress\ndata: {"done": 0, "total": 4}\nid: 2\n\n',
    );
    expect(events).toEqual([
      { id: "1", event: "status", data: '{"status": "queued"}' },
      { id: "2", event: "progress", data: '{"done": 0, "total": 4}' },
    ]);
    expect(parser.lastEventId).toBe("2");
  });

  it("reassembles events split mid-line and mid-field across chunks", () => {
    const text = 'event: item\ndata: {"slot": 2, "stage": "saved", "name": "Łucja"}\nid: 13\n\n';
    // Every possible single split point, plus one byte-ish chunk at a time.
    for (let cut = 1; cut < text.length; cut += 1) {
      const parser = new SseParser();
      expect(feedAll(parser, [text.slice(0, cut), text.slice(cut)])).toEqual([
        { id: "13", event: "item", data: '{"slot": 2, "stage": "saved", "name": "Łucja"}' },
      ]);
    }
    const parser = new SseParser();
    expect(feedAll(parser, [...text])).toHaveLength(1);
  });

  it("returns several events from one chunk and keeps an unfinished one for later", () => {
    const parser = new SseParser();
    const first = parser.feed("id: 1\nevent: a\ndata: x\n\nid: 2\nevent: b\ndata: y\n\nid: 3\nevent: c\nda");
    expect(first.map((event) => event.event)).toEqual(["a", "b"]);
    expect(parser.feed("ta: z\n\n")).toEqual([{ id: "3", event: "c", data: "z" }]);
  });

  it("ignores comments and events without data, and tracks ids from them", () => {
    const parser = new SseParser();
    const events = parser.feed(": keep-alive\n\n:ping\n\nid: 7\n\nevent: heartbeat\ndata: {}\n\n");
    expect(events).toEqual([{ id: "7", event: "heartbeat", data: "{}" }]);
    expect(parser.lastEventId).toBe("7");
  });

  it("keeps the last id for events that carry none", () => {
    const parser = new SseParser();
    const events = parser.feed("id: 5\ndata: a\n\nevent: heartbeat\ndata: b\n\n");
    expect(events.map((event) => event.id)).toEqual(["5", "5"]);
  });

  it("handles CRLF and CR line endings, multi-line data, no space after the colon, default type", () => {
    const parser = new SseParser();
    const events = feedAll(parser, ["data:one\r", "\ndata: two\r\rid:9\r\n\r\n"]);
    expect(events).toEqual([
      { id: null, event: "message", data: "one\ntwo" },
    ]);
    expect(parser.lastEventId).toBe("9");
  });
});

function streamResponse(chunks: string[], { close = true } = {}): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (close) controller.close();
    },
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
}

describe("followEventStream", () => {
  it("resumes with Last-Event-ID after a dropped connection and stops at a terminal event", async () => {
    const requests: Request[] = [];
    const responses = [
      streamResponse(["event: progress\ndata: {}\nid: 1\n\nevent: item\nda"]), // drops mid-event
      streamResponse(["event: item\ndata: {}\nid: 2\n\n: ping\n\nevent: completed\ndata: {}\nid: 3\n\n"], { close: false }),
    ];
    const seen: SseEvent[] = [];
    const terminal = await followEventStream({
      fetch: (request) => {
        requests.push(request);
        const response = responses.shift();
        return response === undefined ? Promise.reject(new Error("no more")) : Promise.resolve(response);
      },
      url: "http://sight.test/api/v1/jobs/j/events",
      onEvent: (event) => seen.push(event),
      terminal: new Set(["completed", "failed", "cancelled"]),
      signal: new AbortController().signal,
      retryDelayMs: 1,
    });
    expect(terminal).toBe("completed");
    expect(seen.map((event) => `${event.id ?? ""}:${event.event}`)).toEqual(["1:progress", "2:item", "3:completed"]);
    expect(requests.map((request) => request.headers.get("Last-Event-ID"))).toEqual([null, "1"]);
  });

  it("does not retry a refused stream", async () => {
    let calls = 0;
    const refused = followEventStream({
      fetch: () => {
        calls += 1;
        return Promise.resolve(
          new Response(JSON.stringify({ error: "NotFound", detail: "job not found" }), {
            status: 404,
            headers: { "Content-Type": "application/json" },
          }),
        );
      },
      url: "http://sight.test/api/v1/jobs/j/events",
      onEvent: () => {},
      terminal: new Set(["completed"]),
      signal: new AbortController().signal,
      retryDelayMs: 1,
    });
    await expect(refused).rejects.toThrow("job not found");
    expect(calls).toBe(1);
  });
});

describe("eventData", () => {
  it("returns the declared event when its type matches the event name", () => {
    const event = { id: "7", event: "item", data: '{"type":"item","stage":"saved","slot":2}' };
    expect(eventData<{ type: string; stage: string }>(event)?.stage).toBe("saved");
  });

  it("refuses data whose type disagrees or that is not an object", () => {
    expect(eventData({ id: "7", event: "item", data: '{"type":"progress"}' })).toBeNull();
    expect(eventData({ id: "7", event: "item", data: "not json" })).toBeNull();
    expect(eventData({ id: "7", event: "item", data: "[1]" })).toBeNull();
  });
});
