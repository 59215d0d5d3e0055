import { EditorView } from "@codemirror/view";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { YamlEditor } from "./YamlEditor";

const spec = "services:\n  - name: web\n    image: nginx\n    replicas: abc\n";
const textbox = () => screen.getByRole("textbox");
const viewOf = () => EditorView.findFromDOM(textbox())!;

describe("YamlEditor", () => {
  it("shows each server-side error as an inline diagnostic at its line and lists it", () => {
    const { container } = render(
      <YamlEditor id="spec" value={spec} onChange={() => {}} errors={[{ line: 4, column: 15, path: "services[0].replicas", message: "Expected a whole number." }]} />,
    );

    const marked = container.querySelectorAll(".cm-lintRange-error");
    expect(marked).toHaveLength(1);
    expect(marked[0]).toHaveTextContent("abc");
    expect(container.querySelector(".cm-lint-marker-error")).not.toBeNull();
    expect(screen.getByRole("alert")).toHaveTextContent("Line 4, column 15: services[0].replicas — Expected a whole number.");
    expect(textbox()).toHaveAttribute("aria-invalid", "true");
  });

  it("highlights YAML and numbers the lines", () => {
    const { container } = render(<YamlEditor id="spec" value={spec} onChange={() => {}} errors={[]} />);

    expect(container.querySelectorAll(".cm-lineNumbers .cm-gutterElement").length).toBeGreaterThanOrEqual(4);
    expect(container.querySelector(".cm-line span[class]")).not.toBeNull();   // tokens styled by the YAML grammar
    expect(textbox()).toHaveAttribute("aria-invalid", "false");
  });

  it("moves the cursor to the line of an error when it is clicked", async () => {
    render(<YamlEditor id="spec" value={spec} onChange={() => {}} errors={[{ line: 3, column: 5, path: "x", message: "bad" }]} />);

    await userEvent.click(screen.getByRole("button", { name: /Line 3/ }));

    expect(viewOf().state.selection.main.head).toBe(spec.indexOf("    image"));
    expect(viewOf().hasFocus).toBe(true);
  });

  it("reports edits, follows a new value without reporting it back, and shows no errors when there are none", () => {
    const onChange = vi.fn();
    const { rerender } = render(<YamlEditor id="spec" value="" onChange={onChange} errors={[]} />);

    viewOf().dispatch({ changes: { from: 0, insert: "a" } });
    expect(onChange).toHaveBeenCalledWith("a");
    rerender(<YamlEditor id="spec" value={spec} onChange={onChange} errors={[]} />);

    expect(viewOf().state.doc.toString()).toBe(spec);
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("is read only when asked and labelled by its label", () => {
    render(<><span id="l">Spec (YAML)</span><YamlEditor id="spec" value={spec} onChange={() => {}} errors={[]} readOnly labelledBy="l" /></>);

    expect(screen.getByRole("textbox", { name: "Spec (YAML)" })).toHaveAttribute("contenteditable", "false");
    expect(viewOf().state.readOnly).toBe(true);
  });
});
