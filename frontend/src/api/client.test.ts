import { describe, expect, it } from "vitest";
import { ApiError, unwrap } from "./client";

const response = (status: number) => new Response(null, { status });

describe("unwrap", () => {
  it("returns the data of a success", async () => {
    await expect(unwrap(Promise.resolve({ data: { id: "1" }, response: response(200) }))).resolves.toEqual({ id: "1" });
  });

  it("turns a ProblemDetails answer into an ApiError with its message and field errors", async () => {
    const problem = { title: "One or more fields are invalid", detail: "name: Too long.", code: "validation.failed", errors: { Name: ["Too long."] } };
    const error = await unwrap(Promise.resolve({ error: problem, response: response(400) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toBe("name: Too long.");
    expect((error as ApiError).field("name")).toBe("Too long.");
    expect((error as ApiError).field("email")).toBeUndefined();
  });

  it("reports a network failure as such, not as a crash", async () => {
    const error = await unwrap(Promise.reject(new TypeError("fetch failed"))).catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(0);
    expect((error as ApiError).message).toMatch(/could not be reached/);
  });
});
