import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { type Diagnostic, lintGutter, setDiagnostics } from "@codemirror/lint";
import { Annotation, Compartment, EditorState, type Text } from "@codemirror/state";
import { EditorView, keymap, lineNumbers } from "@codemirror/view";
import { useEffect, useRef } from "react";
import type { SpecError } from "../api/client";

/** Between 12 and 28 rem high (it scrolls past that), monospace, with the gutter as tall as the text area. */
const sizing = EditorView.theme({
  "&": { maxHeight: "28rem" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" },
  ".cm-content, .cm-gutter": { minHeight: "12rem" },
});

/** Marks changes that come from the `value` prop, so they are not reported back through `onChange`. */
const fromProps = Annotation.define<boolean>();

/** The spec errors as CodeMirror diagnostics: from the error's column to the end of its line (lines and columns are 1-based). */
export function toDiagnostics(doc: Text, errors: SpecError[]): Diagnostic[] {
  return errors.map((e) => {
    const line = doc.line(Math.min(Math.max(e.line, 1), doc.lines));
    const from = Math.min(line.from + Math.max(e.column - 1, 0), line.to);
    return { from, to: Math.max(line.to, from), severity: "error", message: e.path ? `${e.path}: ${e.message}` : e.message };
  });
}

/**
 * A YAML code editor (CodeMirror 6: highlighting, line numbers, undo); each server-side spec error is shown as an
 * inline diagnostic at its line and listed below (a click on one moves the cursor there). Tab moves the focus on, as
 * in any form field; the editor's content is the labelled textbox.
 */
export function YamlEditor({ id, value, onChange, errors, readOnly, describedBy, labelledBy }: {
  id: string; value: string; onChange: (v: string) => void; errors: SpecError[]; readOnly?: boolean; describedBy?: string; labelledBy?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  const settings = useRef(new Compartment());

  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          sizing,
          lineNumbers(),
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          yaml(),
          syntaxHighlighting(defaultHighlightStyle),
          lintGutter(),
          settings.current.of([]),
          EditorView.updateListener.of((update) => {
            if (update.docChanged && !update.transactions.some((t) => t.annotation(fromProps))) changed.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => { editor.destroy(); view.current = null; };   // created once: value, settings and errors follow in the effects below
  }, []);

  useEffect(() => {
    const editor = view.current!;
    const current = editor.state.doc.toString();
    if (current !== value) editor.dispatch({ changes: { from: 0, to: current.length, insert: value }, annotations: fromProps.of(true) });
  }, [value]);

  useEffect(() => {
    const attributes: Record<string, string> = { id, "aria-invalid": String(errors.length > 0) };
    if (describedBy) attributes["aria-describedby"] = describedBy;
    if (labelledBy) attributes["aria-labelledby"] = labelledBy;
    view.current!.dispatch({ effects: settings.current.reconfigure([
      EditorState.readOnly.of(!!readOnly), EditorView.editable.of(!readOnly), EditorView.contentAttributes.of(attributes),
    ]) });
  }, [id, readOnly, describedBy, labelledBy, errors.length]);

  useEffect(() => {
    const editor = view.current!;
    editor.dispatch(setDiagnostics(editor.state, toDiagnostics(editor.state.doc, errors)));
  }, [errors, value]);

  const goTo = (line: number) => {
    const editor = view.current;
    if (!editor) return;
    const at = editor.state.doc.line(Math.min(Math.max(line, 1), editor.state.doc.lines)).from;
    editor.dispatch({ selection: { anchor: at }, scrollIntoView: true });
    editor.focus();
  };

  return (
    <div>
      <div
        ref={host}
        className="overflow-auto rounded-md bg-white text-xs ring-1 ring-inset ring-slate-300 focus-within:ring-2 focus-within:ring-brand"
      />
      {errors.length > 0 && (
        <div role="alert">
          <ul aria-label="Problems in the spec" className="mt-2 space-y-1 text-sm text-red-700">
            {errors.map((e, i) => (
              <li key={i}>
                <button type="button" onClick={() => goTo(e.line)} className="text-left hover:underline">
                  <span className="font-semibold">Line {e.line}</span>, column {e.column}: <span className="font-mono">{e.path}</span> — {e.message}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
