import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import { returnPath, signInIfSignedOut } from "./session";

const at = (pathname: string, search = "") => ({ pathname, search, assign: vi.fn() });

describe("an ended session", () => {
  it("sends a 401 to the sign-in page, which returns to where the user was", () => {
    const location = at("/orgs/o1/usage", "?x=1");
    signInIfSignedOut(new ApiError(401, { title: "Unauthorized" }), location);
    expect(location.assign).toHaveBeenCalledWith("/signin?next=%2Forgs%2Fo1%2Fusage%3Fx%3D1");
  });

  it("leaves other errors, and the sign-in page itself, alone", () => {
    for (const [error, location] of [[new ApiError(403, {}), at("/orgs/o1")], [new Error("x"), at("/orgs/o1")], [new ApiError(401, {}), at("/signin")]] as const) {
      signInIfSignedOut(error, location);
      expect(location.assign).not.toHaveBeenCalled();
    }
  });

  it("returns only to a path of this site", () => {
    expect(returnPath("/orgs/o1?tab=2")).toBe("/orgs/o1?tab=2");
    for (const bad of [null, "", "https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)"]) expect(returnPath(bad)).toBe("/");
  });
});
