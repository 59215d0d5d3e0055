import { describe, expect, it } from "vitest";
import { ApiError } from "./client";
import { followSse, parseSse } from "./sse";

describe("parseSse", () => {
  it("splits events, joins multi-line data, skips comments and keeps an unfinished event for later", () => {
    const { events, rest } = parseSse(": keep-alive\n\nevent: log\ndata: {\"line\":\"a\"}\n\ndata: one\ndata: two\n\nevent: end\ndata:\n\nevent: log\ndata: {\"li");
    expect(events).toEqual([
      { event: "log", data: "{\"line\":\"a\"}" },
      { event: "message", data: "one\ntwo" },
      { event: "end", data: "" },
    ]);
    expect(rest).toBe("event: log\ndata: {\"li");
  });

  it("handles CRLF line ends", () => {
    expect(parseSse("event: error\r\ndata: x\r\n\r\n").events).toEqual([{ event: "error", data: "x" }]);
  });
});

describe("followSse", () => {
  const stream = (text: string) => new Response(text).body;

  it("reopens a dropped or time-limited stream with the last id seen, and stops at its end", async () => {
    const asked: (string | undefined)[] = [];
    const answers = [
      "event: log\nid: a\ndata: 1\n\nevent: reconnect\ndata: {}\n\n",   // the server's time limit
      "event: log\nid: b\ndata: 2\n\nevent: log\ndata: 3\n\n",          // the connection drops: no last event
      "event: log\nid: c\ndata: 4\n\nevent: end\ndata: {}\n\n",
    ];
    const seen: string[] = [];

    await followSse(async (lastEventId) => { asked.push(lastEventId); return stream(answers.shift()!); },
      (e) => seen.push(`${e.event}:${e.data}`), new AbortController().signal, { firstDelayMs: 1 });

    expect(asked).toEqual([undefined, "a", "b"]);
    expect(seen.filter((e) => e.startsWith("log:"))).toEqual(["log:1", "log:2", "log:3", "log:4"]);
  });

  it("throws a refusal at once, and retries when the server cannot be reached", async () => {
    let calls = 0;
    const refused = followSse(async () => { throw new ApiError(404, { title: "Not found" }); }, () => {}, new AbortController().signal);
    await expect(refused).rejects.toThrow("Not found");

    await followSse(async () => {
      calls += 1;
      if (calls < 3) throw new ApiError(0, { title: "Network error" });
      return stream("event: end\ndata: {}\n\n");
    }, () => {}, new AbortController().signal, { firstDelayMs: 1 });
    expect(calls).toBe(3);
  });
});
