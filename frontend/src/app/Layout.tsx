import { useEffect, useRef, type ReactNode } from "react";
import { Link, NavLink, useLocation, useNavigate } from "react-router";
import { useBranding, useMe } from "../api/hooks";
import { UserMenu } from "./UserMenu";

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
      <span className={full ? "truncate" : "sr-only truncate sm:not-sr-only"}>{name}</span>
    </Link>
  );
}

/** The page frame: top bar with brand, organization switcher and the user; the organization's navigation below. */
export function Shell({ orgId, nav, children }: { orgId?: string; nav?: ReactNode; children: ReactNode }) {
  const me = useMe().data;
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    // After a client-side navigation, focus the new page (as a page load would) so that keyboard and screen reader
    // users start from its top instead of the link they used.
    if (first.current) { first.current = false; return; }
    main.current?.focus({ preventScroll: true });
  }, [pathname]);
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
          {me && <UserMenu me={me} />}
        </div>
        {nav && <nav aria-label="Organization" className="mx-auto flex max-w-6xl gap-1 overflow-x-auto px-2 sm:px-4">{nav}</nav>}
      </header>
      <main id="main" ref={main} tabIndex={-1} className="mx-auto max-w-6xl px-4 py-6 outline-none sm:py-8">{children}</main>
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
