import { useRef } from "react";
import type { SpecError } from "../api/client";

/**
 * A YAML text area with line numbers; each server-side spec error is marked at its line and listed below
 * (a click on one moves the cursor to that line).
 */
export function YamlEditor({ id, value, onChange, errors, readOnly, describedBy }: {
  id: string; value: string; onChange: (v: string) => void; errors: SpecError[]; readOnly?: boolean; describedBy?: string;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lines = value.split("\n").length;
  const bad = new Set(errors.map((e) => e.line));
  const goTo = (line: number) => {
    const el = area.current;
    if (!el) return;
    const offset = value.split("\n").slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(offset, offset);
  };
  return (
    <div>
      <div className="flex overflow-hidden rounded-md font-mono text-xs leading-5 ring-1 ring-inset ring-slate-300 focus-within:ring-2 focus-within:ring-brand">
        <div ref={gutter} aria-hidden className="select-none overflow-hidden bg-slate-50 py-2 text-right text-slate-400" style={{ maxHeight: "28rem" }}>
          {Array.from({ length: lines }, (_, i) => (
            <div key={i} data-line={i + 1} className={`px-2 ${bad.has(i + 1) ? "bg-red-100 font-semibold text-red-700" : ""}`}>{i + 1}</div>
          ))}
        </div>
        <textarea
          ref={area}
          id={id}
          value={value}
          readOnly={readOnly}
          spellCheck={false}
          aria-invalid={errors.length > 0}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => { if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop; }}
          rows={Math.min(Math.max(lines, 12), 28)}
          className="block w-full resize-y whitespace-pre bg-white px-3 py-2 text-slate-900 outline-none"
          style={{ maxHeight: "28rem" }}
          wrap="off"
        />
      </div>
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
