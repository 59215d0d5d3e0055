import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Brand } from "./Layout";

function renderBrand(branding: object) {
  vi.stubGlobal("fetch", vi.fn(async (request: Request) => {
    expect(new URL(request.url).pathname).toBe("/api/branding");
    return new Response(JSON.stringify(branding), { headers: { "content-type": "application/json" } });
  }));
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter><Brand full /></MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("branding from /api/branding", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    document.documentElement.style.removeProperty("--brand");
  });

  it("shows the client's name and logo, titles the page and sets the brand colour", async () => {
    renderBrand({ clientId: "c1", displayName: "Globex Cloud", logoUrl: "https://globex.test/logo.svg", primaryColor: "#0f766e" });
    expect(await screen.findByText("Globex Cloud")).toBeInTheDocument();
    expect(document.querySelector("img")).toHaveAttribute("src", "https://globex.test/logo.svg");
    await waitFor(() => expect(document.title).toBe("Globex Cloud"));
    expect(document.documentElement.style.getPropertyValue("--brand")).toBe("#0f766e");
  });

  it("ignores a colour that is not a hex colour (no CSS injection)", async () => {
    renderBrand({ clientId: null, displayName: "CleanScheduler", logoUrl: null, primaryColor: "red; background: url(x)" });
    expect(await screen.findByText("CleanScheduler")).toBeInTheDocument();
    await waitFor(() => expect(document.title).toBe("CleanScheduler"));
    expect(document.documentElement.style.getPropertyValue("--brand")).toBe("");
  });
});
