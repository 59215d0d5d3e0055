import { ButtonLink, EmptyState } from "../components/ui";

export function NotFound() {
  return (
    <div className="mx-auto max-w-xl px-4 py-16">
      <EmptyState page title="Page not found" action={<ButtonLink to="/">Go to the dashboard</ButtonLink>}>
        This address does not lead anywhere, or what was here is gone.
      </EmptyState>
    </div>
  );
}
