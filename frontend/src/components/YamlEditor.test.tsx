import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { YamlEditor } from "./YamlEditor";

const spec = "services:\n  - name: web\n    image: nginx\n    replicas: abc\n";

describe("YamlEditor", () => {
  it("marks the line of each server-side error and lists it", () => {
    const { container } = render(
      <YamlEditor id="spec" value={spec} onChange={() => {}} errors={[{ line: 4, column: 15, path: "services[0].replicas", message: "Expected a whole number." }]} />,
    );
    expect(container.querySelector('[data-line="4"]')).toHaveClass("text-red-700");
    expect(container.querySelector('[data-line="3"]')).not.toHaveClass("text-red-700");
    expect(screen.getByRole("alert")).toHaveTextContent("Line 4, column 15: services[0].replicas — Expected a whole number.");
    expect(screen.getByRole("textbox")).toHaveAttribute("aria-invalid", "true");
  });

  it("moves the cursor to the line of an error when it is clicked", async () => {
    render(<YamlEditor id="spec" value={spec} onChange={() => {}} errors={[{ line: 3, column: 5, path: "x", message: "bad" }]} />);
    await userEvent.click(screen.getByRole("button", { name: /Line 3/ }));
    const area = screen.getByRole("textbox") as HTMLTextAreaElement;
    expect(area).toHaveFocus();
    expect(area.selectionStart).toBe(spec.indexOf("    image"));
  });

  it("passes edits through and shows no errors when there are none", async () => {
    const onChange = vi.fn();
    render(<YamlEditor id="spec" value="" onChange={onChange} errors={[]} />);
    await userEvent.type(screen.getByRole("textbox"), "a");
    expect(onChange).toHaveBeenCalledWith("a");
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
