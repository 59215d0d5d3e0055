import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import type { Me } from "../api/hooks";
import { UserMenu } from "./UserMenu";

const me = { user: { id: "u", email: "ada@example.com", displayName: "Ada", handle: "ada" }, organizations: [] } as unknown as Me;

describe("the user menu", () => {
  it("opens from the keyboard onto its first item, moves with the arrows and closes with Escape back onto its button", async () => {
    const user = userEvent.setup();
    render(<MemoryRouter><UserMenu me={me} /></MemoryRouter>);
    const button = screen.getByRole("button", { name: "Account menu of ada@example.com" });
    await user.tab();
    expect(button).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(button).toHaveAttribute("aria-expanded", "true");
    expect(screen.getByRole("menuitem", { name: "API reference" })).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(screen.getByRole("menuitem", { name: "Sessions and API tokens" })).toHaveFocus();
    expect(screen.getByRole("menuitem", { name: "Sessions and API tokens" })).toHaveAttribute("href", "/account");
    await user.keyboard("{ArrowDown}");
    expect(screen.getByRole("menuitem", { name: "Sign out" })).toHaveFocus();
    await user.keyboard("{ArrowDown}");   // wraps round
    expect(screen.getByRole("menuitem", { name: "API reference" })).toHaveFocus();
    await user.keyboard("{End}");
    expect(screen.getByRole("menuitem", { name: "Sign out" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("menu")).toBeNull();
    expect(button).toHaveFocus();
  });

  it("closes on a click outside", async () => {
    const user = userEvent.setup();
    render(<MemoryRouter><p>elsewhere</p><UserMenu me={me} /></MemoryRouter>);
    await user.click(screen.getByRole("button", { name: /Account/ }));
    expect(screen.getByRole("menu", { name: "Account" })).toBeInTheDocument();
    await user.click(screen.getByText("elsewhere"));
    expect(screen.queryByRole("menu")).toBeNull();
  });
});
