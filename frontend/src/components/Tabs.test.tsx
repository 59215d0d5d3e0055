import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { Tabs } from "./Tabs";

function Example() {
  const [tab, setTab] = useState<"one" | "two" | "three">("one");
  return <Tabs tabs={["one", "two", "three"] as const} current={tab} onChange={setTab} label="Example"><p>panel {tab}</p></Tabs>;
}

describe("Tabs", () => {
  it("keeps only the selected tab in the Tab order and moves the selection with the arrow keys", async () => {
    const user = userEvent.setup();
    render(<Example />);
    expect(screen.getAllByRole("tab").map((t) => t.tabIndex)).toEqual([0, -1, -1]);
    await user.tab();
    expect(screen.getByRole("tab", { name: "one" })).toHaveFocus();
    await user.keyboard("{ArrowRight}");
    expect(screen.getByRole("tab", { name: "two" })).toHaveFocus();
    expect(screen.getByRole("tab", { name: "two" })).toHaveAttribute("aria-selected", "true");
    expect(screen.getByRole("tabpanel", { name: "two" })).toHaveTextContent("panel two");
    await user.keyboard("{ArrowLeft}{ArrowLeft}");   // wraps round to the last
    expect(screen.getByRole("tab", { name: "three" })).toHaveFocus();
    await user.keyboard("{Home}");
    expect(screen.getByRole("tabpanel", { name: "one" })).toHaveTextContent("panel one");
  });
});
