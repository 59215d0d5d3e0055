import { useState } from "react";
import { useNavigate } from "react-router";
import { api, ApiError, unwrap } from "../api/client";
import { keys, useAction } from "../api/hooks";
import { Shell } from "../app/Layout";
import { Button, Card, Field, inputClass } from "../components/ui";

/** Founding an organization: the caller becomes its owner, with a default team, on the Free plan. */
export function CreateOrg() {
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const create = useAction(
    (orgName: string) => unwrap(api.POST("/api/orgs", { body: { name: orgName } })),
    () => [keys.me],
  );
  const error = create.error instanceof ApiError ? create.error : undefined;
  return (
    <Shell>
      <div className="mx-auto max-w-lg">
        <h1 className="text-2xl font-semibold tracking-tight">Create an organization</h1>
        <p className="mt-1 text-sm text-slate-600">An organization holds your teams, templates and deployments. You become its owner; it starts on the Free plan.</p>
        <Card className="mt-6 p-6">
          <form
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate(name.trim(), { onSuccess: (org) => { localStorage.setItem("cleanscheduler.org", org.id); navigate(`/orgs/${org.id}`); } });
            }}
            className="space-y-5"
          >
            <Field label="Organization name" hint="Shown to your members; its URL slug is made from it." error={error ? (error.field("name") ?? error.message) : undefined}>
              {(props) => <input {...props} autoFocus required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="Acme Inc." className={inputClass} />}
            </Field>
            <div className="flex justify-end">
              <Button type="submit" busy={create.isPending} disabled={!name.trim()}>Create organization</Button>
            </div>
          </form>
        </Card>
      </div>
    </Shell>
  );
}
