import { useEffect, useState, type ReactNode } from "react";
import { Link, NavLink, useNavigate } from "react-router";
import { api } from "../api/client";
import { useBranding, useMe } from "../api/hooks";

/** Applies the white-label client's branding (/api/branding): name, logo, colour. */
export function useApplyBranding() {
  const branding = useBranding().data;
  useEffect(() => {
    if (!branding) return;
    document.title = branding.displayName;
    if (/^#[0-9a-fA-F]{3,8}$/.test(branding.primaryColor)) document.documentElement.style.setProperty("--brand", branding.primaryColor);
  }, [branding]);
  return branding;
}

export function Brand({ full }: { full?: boolean }) {
  const branding = useApplyBranding();
  const name = branding?.displayName ?? "CleanScheduler";
  return (
    <Link to="/" className="flex items-center gap-2 font-semibold text-slate-900">
      {branding?.logoUrl ? (
        <img src={branding.logoUrl} alt="" className="size-7 rounded" />
      ) : (
        <span aria-hidden className="grid size-7 place-items-center rounded-md bg-brand text-sm font-bold text-white">{name.slice(0, 1)}</span>
      )}
      <span className={full ? "truncate" : "hidden truncate sm:inline"}>{name}</span>
    </Link>
  );
}

/** The page frame: top bar with brand, organization switcher and the user; the organization's navigation below. */
export function Shell({ orgId, nav, children }: { orgId?: string; nav?: ReactNode; children: ReactNode }) {
  const me = useMe().data;
  const navigate = useNavigate();
  const [menu, setMenu] = useState(false);
  return (
    <div className="min-h-dvh">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex h-14 max-w-6xl items-center gap-3 px-4">
          <Brand />
          {me && me.organizations.length > 0 && (
            <div className="ml-2 min-w-0">
              <label htmlFor="org-switcher" className="sr-only">Organization</label>
              <select
                id="org-switcher"
                value={orgId ?? ""}
                onChange={(e) => navigate(e.target.value === "new" ? "/orgs/new" : `/orgs/${e.target.value}`)}
                className="max-w-[10rem] truncate rounded-md border-0 bg-slate-100 py-1.5 pl-2 pr-7 text-sm font-medium text-slate-800 focus:ring-2 focus:ring-brand sm:max-w-xs"
              >
                {!orgId && <option value="">Choose…</option>}
                {me.organizations.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
                <option value="new">+ New organization</option>
              </select>
            </div>
          )}
          <div className="relative ml-auto">
            {me && (
              <button
                type="button"
                aria-haspopup="menu"
                aria-expanded={menu}
                onClick={() => setMenu((m) => !m)}
                className="flex items-center gap-2 rounded-full p-1 text-sm text-slate-700 hover:bg-slate-100"
              >
                <span aria-hidden className="grid size-7 place-items-center rounded-full bg-slate-200 text-xs font-semibold uppercase">
                  {me.user.displayName.slice(0, 1)}
                </span>
                <span className="hidden max-w-[12rem] truncate sm:inline">{me.user.email}</span>
              </button>
            )}
            {menu && me && (
              <div role="menu" className="absolute right-0 z-20 mt-2 w-56 rounded-lg bg-white p-1 shadow-lg ring-1 ring-slate-200">
                <p className="truncate px-3 py-2 text-xs text-slate-500">{me.user.email}</p>
                <a role="menuitem" href="/swagger" className="block rounded px-3 py-2 text-sm hover:bg-slate-100">API reference</a>
                <button
                  role="menuitem"
                  type="button"
                  onClick={async () => { await api.POST("/auth/logout"); window.location.assign("/signin"); }}
                  className="block w-full rounded px-3 py-2 text-left text-sm hover:bg-slate-100"
                >
                  Sign out
                </button>
              </div>
            )}
          </div>
        </div>
        {nav && <nav aria-label="Organization" className="mx-auto flex max-w-6xl gap-1 overflow-x-auto px-2 sm:px-4">{nav}</nav>}
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-6 sm:py-8">{children}</main>
    </div>
  );
}

export function Tab({ to, end, children }: { to: string; end?: boolean; children: ReactNode }) {
  return (
    <NavLink
      to={to}
      end={end}
      className={({ isActive }) =>
        `whitespace-nowrap border-b-2 px-3 py-2.5 text-sm font-medium ${isActive ? "border-brand text-slate-900" : "border-transparent text-slate-600 hover:text-slate-900"}`
      }
    >
      {children}
    </NavLink>
  );
}
