import { describe, expect, it } from "vitest";
import { parseSse } from "./sse";

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
