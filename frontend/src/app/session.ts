import { ApiError } from "../api/client";

/** Where sign-in returns to: a path of this site, or "/" (the server checks it again). */
export function returnPath(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.includes("\\") ? next : "/";
}

/**
 * A 401 from any call means the session ended (expired, or signed out in another tab): go to the sign-in page,
 * which returns here afterwards. The sign-in page itself stays put.
 */
export function signInIfSignedOut(error: unknown, location: Pick<Location, "pathname" | "search" | "assign"> = window.location) {
  if (!(error instanceof ApiError) || error.status !== 401 || location.pathname === "/signin") return;
  location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
}
