import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { Link } from "react-router";
import { api } from "../api/client";
import type { Me } from "../api/hooks";

/**
 * The signed-in user's menu (WAI-ARIA menu button): opening moves focus to the first item, arrow keys, Home and End
 * move between items, Escape closes and gives focus back to the button, and so does a click outside or Tab away.
 */
export function UserMenu({ me }: { me: Me }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const items = () => Array.from(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);

  useEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    const outside = (e: PointerEvent) => {
      if (!menu.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", outside);
    return () => document.removeEventListener("pointerdown", outside);
  }, [open]);

  const close = () => { setOpen(false); button.current?.focus(); };
  const onKey = (e: KeyboardEvent) => {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => { e.preventDefault(); all[(to + all.length) % all.length]?.focus(); };
    if (e.key === "Escape") { e.preventDefault(); close(); }
    else if (e.key === "ArrowDown") move(at + 1);
    else if (e.key === "ArrowUp") move(at - 1);
    else if (e.key === "Home") move(0);
    else if (e.key === "End") move(all.length - 1);
    else if (e.key === "Tab") setOpen(false);
  };

  return (
    <div className="relative ml-auto">
      <button
        ref={button}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? "user-menu" : undefined}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => { if (e.key === "ArrowDown" && !open) { e.preventDefault(); setOpen(true); } }}
        className="flex items-center gap-2 rounded-full p-1 text-sm text-slate-700 hover:bg-slate-100"
      >
        <span aria-hidden className="grid size-7 place-items-center rounded-full bg-slate-200 text-xs font-semibold uppercase">
          {me.user.displayName.slice(0, 1)}
        </span>
        <span className="sr-only">Account menu of </span>
        <span className="sr-only max-w-[12rem] truncate sm:not-sr-only">{me.user.email}</span>
      </button>
      {open && (
        <div id="user-menu" ref={menu} role="menu" aria-label="Account" onKeyDown={onKey}
          className="absolute right-0 z-20 mt-2 w-56 rounded-lg bg-white p-1 shadow-lg ring-1 ring-slate-200">
          <p className="truncate px-3 py-2 text-xs text-slate-500">{me.user.email}</p>
          <a role="menuitem" tabIndex={-1} href="/swagger" className="block rounded px-3 py-2 text-sm hover:bg-slate-100 focus:bg-slate-100">API reference</a>
          <Link role="menuitem" tabIndex={-1} to="/account" onClick={() => setOpen(false)}
            className="block rounded px-3 py-2 text-sm hover:bg-slate-100 focus:bg-slate-100">Sessions and API tokens</Link>
          <button
            role="menuitem"
            tabIndex={-1}
            type="button"
            onClick={async () => { await api.POST("/auth/logout"); window.location.assign("/signin"); }}
            className="block w-full rounded px-3 py-2 text-left text-sm hover:bg-slate-100 focus:bg-slate-100"
          >
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
