import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { refusals, SignIn } from "./SignIn";

function renderAt(url: string) {
  vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ status: 401, code: "auth.required" }), {
    status: 401, headers: { "content-type": "application/problem+json" },
  })));
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[url]}><SignIn /></MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("the sign-in page", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("starts the server's sign-in flow and asks it to return to the page the user came from", () => {
    renderAt("/signin?next=%2Forgs%2Fo1%2Fusage%3Ftab%3Dx");
    expect(screen.getByRole("link", { name: "Continue with Google" })).toHaveAttribute("href", "/auth/login?returnTo=%2Forgs%2Fo1%2Fusage%3Ftab%3Dx");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("never asks to return to another site", () => {
    renderAt("/signin?next=%2F%2Fevil.example%2F");
    expect(screen.getByRole("link", { name: "Continue with Google" })).toHaveAttribute("href", "/auth/login");
  });

  it.each(Object.entries(refusals))("says in plain words why sign-in was refused: %s", (code, text) => {
    renderAt(`/signin?error=${code}`);
    expect(screen.getByRole("alert")).toHaveTextContent(text);
    expect(screen.getByRole("link", { name: "Continue with Google" })).toBeInTheDocument();
  });

  it("words an unknown code generically and never echoes it", () => {
    renderAt("/signin?error=%3Cb%3Einjected%3C%2Fb%3E");
    expect(screen.getByRole("alert")).toHaveTextContent("Sign-in did not complete. Please try again.");
    expect(screen.queryByText(/injected/)).toBeNull();
  });
});
