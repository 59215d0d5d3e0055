import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

/** The typed client for the server's REST API (same origin: the session cookie goes along). */
export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? "",
  credentials: "same-origin",
  fetch: (request) => globalThis.fetch(request),   // looked up per call (tests replace it)
});

export type SpecError = { line: number; column: number; path: string; message: string };

/** A ProblemDetails answer (RFC 9457) as the server sends it: a stable code, field errors, template spec errors. */
export type Problem = {
  type?: string | null;
  title?: string | null;
  status?: number | null;
  detail?: string | null;
  code?: string;
  errors?: Record<string, string[]>;
  specErrors?: SpecError[];
};

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `The server answered ${status}.`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }

  /** The first message for one field (camelCase, as the server names it), if the server rejected that field. */
  field(name: string): string | undefined {
    const errors = this.problem.errors ?? {};
    const key = Object.keys(errors).find((k) => k.toLowerCase() === name.toLowerCase());
    return key ? errors[key]?.[0] : undefined;
  }
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The data of a successful call, or an ApiError carrying the server's problem. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch {
    throw new ApiError(0, { title: "Network error", detail: "The server could not be reached. Check your connection and try again." });
  }
  if (result.response.ok) return result.data as T;
  const problem = (typeof result.error === "object" && result.error !== null ? result.error : {}) as Problem;
  throw new ApiError(result.response.status, problem);
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
