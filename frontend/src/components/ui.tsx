import { useEffect, useId, useRef, type ButtonHTMLAttributes, type ReactNode } from "react";
import { Link } from "react-router";

type Variant = "primary" | "secondary" | "danger" | "ghost";

const variants: Record<Variant, string> = {
  primary: "bg-brand text-white hover:brightness-110 shadow-sm",
  secondary: "bg-white text-slate-800 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 shadow-sm",
  danger: "bg-red-600 text-white hover:bg-red-500 shadow-sm",
  ghost: "text-slate-700 hover:bg-slate-100",
};

export function Button({ variant = "primary", busy, children, className = "", disabled, ...rest }:
  ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; busy?: boolean }) {
  return (
    <button
      type="button"
      {...rest}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      className={`inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold transition disabled:opacity-60 ${variants[variant]} ${className}`}
    >
      {busy && <Spinner small />}
      {children}
    </button>
  );
}

export function ButtonLink({ to, children, variant = "primary" }: { to: string; children: ReactNode; variant?: Variant }) {
  return (
    <Link to={to} className={`inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold transition ${variants[variant]}`}>
      {children}
    </Link>
  );
}

export function Spinner({ small, label }: { small?: boolean; label?: string }) {
  return (
    <span role={label ? "status" : undefined} className="inline-flex items-center gap-2 text-sm text-slate-500">
      <span aria-hidden className={`${small ? "size-3.5" : "size-5"} animate-spin rounded-full border-2 border-current border-t-transparent`} />
      {label}
    </span>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="flex justify-center py-16">
      <Spinner label={`Loading ${what}…`} />
    </div>
  );
}

export function ErrorPanel({ error, retry }: { error: unknown; retry?: () => void }) {
  const message = error instanceof Error ? error.message : "Something went wrong.";
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-800">
      <p className="font-semibold">Could not load this page</p>
      <p className="mt-1">{message}</p>
      {retry && <Button variant="secondary" className="mt-3" onClick={retry}>Try again</Button>}
    </div>
  );
}

const tones = {
  green: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  amber: "bg-amber-50 text-amber-800 ring-amber-600/20",
  red: "bg-red-50 text-red-700 ring-red-600/20",
  slate: "bg-slate-100 text-slate-700 ring-slate-500/20",
  blue: "bg-sky-50 text-sky-700 ring-sky-600/20",
} as const;

export function Badge({ tone = "slate", children }: { tone?: keyof typeof tones; children: ReactNode }) {
  return <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tones[tone]}`}>{children}</span>;
}

/** The phase of a deployment as a coloured badge (what users look at first). */
export function PhaseBadge({ phase }: { phase: string }) {
  const tone = phase === "Running" ? "green" : phase === "Failed" ? "red" : phase === "Stopped" ? "slate" : phase === "Deleting" ? "red" : "amber";
  return (
    <Badge tone={tone}>
      <span aria-hidden className={`mr-1.5 size-1.5 rounded-full bg-current ${tone === "amber" ? "animate-pulse" : ""}`} />
      {phase}
    </Badge>
  );
}

export function Card({ children, className = "" }: { children: ReactNode; className?: string }) {
  return <div className={`rounded-xl border border-slate-200 bg-white shadow-sm ${className}`}>{children}</div>;
}

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
      <div className="min-w-0">
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
        {subtitle && <p className="mt-1 text-sm text-slate-600">{subtitle}</p>}
      </div>
      {actions && <div className="flex flex-wrap gap-2">{actions}</div>}
    </div>
  );
}

export function EmptyState({ title, children, action, page }: { title: string; children?: ReactNode; action?: ReactNode; page?: boolean }) {
  const Heading = page ? "h1" : "h2";   // the page's own heading when the empty state is all the page has
  return (
    <div className="rounded-xl border-2 border-dashed border-slate-300 bg-white px-6 py-14 text-center">
      <Heading className="text-base font-semibold text-slate-900">{title}</Heading>
      {children && <p className="mx-auto mt-1 max-w-md text-sm text-slate-600">{children}</p>}
      {action && <div className="mt-5">{action}</div>}
    </div>
  );
}

/** A labelled input with its hint and its error (announced to screen readers). */
export function Field({ label, hint, error, children }: {
  label: string; hint?: ReactNode; error?: string; children: (props: { id: string; "aria-invalid": boolean; "aria-describedby"?: string }) => ReactNode;
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">{label}</label>
      <div className="mt-1">{children({ id, "aria-invalid": !!error, "aria-describedby": described })}</div>
      {hint && <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">{hint}</p>}
      {error && <p id={`${id}-error`} role="alert" className="mt-1 text-sm text-red-700">{error}</p>}
    </div>
  );
}

export const inputClass =
  "block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-brand aria-[invalid=true]:ring-red-500";

/** A modal confirmation: focus moves into it, Escape cancels, the confirm button shows progress. */
export function ConfirmDialog({ open, title, children, confirmLabel, danger, busy, onConfirm, onCancel }: {
  open: boolean; title: string; children: ReactNode; confirmLabel: string; danger?: boolean; busy?: boolean;
  onConfirm: () => void; onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal?.();
    if (!open && dialog.open) dialog.close?.();
  }, [open]);
  if (!open) return null;
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(e) => { e.preventDefault(); onCancel(); }}
      className="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-xl p-0 shadow-xl backdrop:bg-slate-900/40"
    >
      <div className="p-6">
        <h2 id={titleId} className="text-lg font-semibold text-slate-900">{title}</h2>
        <div className="mt-2 text-sm text-slate-600">{children}</div>
        <div className="mt-6 flex justify-end gap-2">
          <Button variant="secondary" onClick={onCancel} disabled={busy}>Cancel</Button>
          <Button variant={danger ? "danger" : "primary"} onClick={onConfirm} busy={busy} autoFocus>{confirmLabel}</Button>
        </div>
      </div>
    </dialog>
  );
}

/** Use against a limit, as a bar (unlimited: no bar). */
export function UsageBar({ label, used, limit }: { label: string; used: number; limit: number | null | undefined }) {
  const share = limit ? Math.min(used / limit, 1) : 0;
  const tone = !limit ? "bg-slate-300" : share >= 1 ? "bg-red-500" : share >= 0.8 ? "bg-amber-500" : "bg-brand";
  return (
    <div>
      <div className="flex justify-between text-sm">
        <span className="font-medium text-slate-800">{label}</span>
        <span className="text-slate-600">{used} of {limit ?? "unlimited"}</span>
      </div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={limit ?? undefined}
        aria-valuenow={used}
        className="mt-1.5 h-2 overflow-hidden rounded-full bg-slate-100"
      >
        <div className={`h-full rounded-full ${tone}`} style={{ width: limit ? `${Math.max(share * 100, used > 0 ? 3 : 0)}%` : "100%" }} />
      </div>
    </div>
  );
}

export function formatTime(iso: string) {
  const date = new Date(iso);
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return date.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

/** A compact table inside a card: column headings, then the caller's rows (cells padded with `cellClass`). */
export function DataTable({ label, columns, children }: { label?: string; columns: string[]; children: ReactNode }) {
  return (
    <div className="mt-2 overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label={label}>
        <thead className="text-xs uppercase text-slate-500">
          <tr>{columns.map((c) => <th key={c} className={`${cellClass} font-medium`}>{c}</th>)}</tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}

export const cellClass = "py-2 pr-4 last:pr-0";

