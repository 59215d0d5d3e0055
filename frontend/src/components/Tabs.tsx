import { useRef, type KeyboardEvent, type ReactNode } from "react";

/**
 * WAI-ARIA tabs: the selected tab alone is in the Tab order; Left/Right (and Home/End) move between tabs and select
 * them; the panel is labelled by its tab.
 */
export function Tabs<T extends string>({ tabs, current, onChange, label, children }: {
  tabs: readonly T[]; current: T; onChange: (tab: T) => void; label: string; children: ReactNode;
}) {
  const list = useRef<HTMLDivElement>(null);
  const select = (tab: T) => {
    onChange(tab);
    list.current?.querySelector<HTMLElement>(`#tab-${tab}`)?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    const at = tabs.indexOf(current);
    const to = e.key === "ArrowRight" ? at + 1 : e.key === "ArrowLeft" ? at - 1 : e.key === "Home" ? 0 : e.key === "End" ? tabs.length - 1 : null;
    if (to === null) return;
    e.preventDefault();
    select(tabs[(to + tabs.length) % tabs.length]!);
  };
  return (
    <>
      <div ref={list} role="tablist" aria-label={label} onKeyDown={onKey} className="mb-4 flex gap-1 border-b border-slate-200">
        {tabs.map((t) => (
          <button key={t} id={`tab-${t}`} role="tab" type="button" aria-selected={current === t} aria-controls={`panel-${t}`}
            tabIndex={current === t ? 0 : -1} onClick={() => onChange(t)}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium capitalize ${current === t ? "border-brand text-slate-900" : "border-transparent text-slate-600 hover:text-slate-900"}`}>
            {t}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${current}`} aria-labelledby={`tab-${current}`}>{children}</div>
    </>
  );
}
