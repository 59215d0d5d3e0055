import { zodResolver } from "@hookform/resolvers/zod";
import { useMemo, useState } from "react";
import { useForm, type Resolver } from "react-hook-form";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, messageOf, unwrap } from "../api/client";
import { keys, useAction, useTemplate, useTemplates, type TemplateDetails } from "../api/hooks";
import { useOrgContext } from "../app/org";
import { useToast } from "../app/toast";
import { Badge, Button, Card, EmptyState, ErrorPanel, Field, Loading, PageHeader, inputClass } from "../components/ui";
import { SettingFields, placeFieldErrors } from "./SettingFields";
import { deploySchema, suggestName, valuesToSend, type DeployForm } from "./deployForm";

/** Deploy: 1. a template the team may use, 2. its settings, 3. confirm. */
export function Deploy() {
  const { org, team, can } = useOrgContext();
  const [params, setParams] = useSearchParams();
  const templateId = params.get("template") ?? undefined;
  const templates = useTemplates(team?.id);
  const template = useTemplate(templateId);

  if (!team || !can("deploy:create")) {
    return <EmptyState page title="You cannot deploy in this team">Ask a team admin for the developer role.</EmptyState>;
  }
  return (
    <>
      <PageHeader title="Deploy" subtitle={<>Into team <strong className="font-medium text-slate-800">{team.name}</strong></>} />
      <ol className="mb-6 flex gap-2 text-sm" aria-label="Steps">
        <Step n={1} label="Template" current={!templateId} />
        <Step n={2} label="Settings" current={!!templateId} />
        <Step n={3} label="Confirm" current={false} />
      </ol>
      {!templateId ? (
        templates.error ? <ErrorPanel error={templates.error} retry={() => void templates.refetch()} />
        : !templates.data ? <Loading what="templates" />
        : (
          <ul className="grid gap-4 sm:grid-cols-2" aria-label="Templates">
            {templates.data.items.map((t) => (
              <li key={t.id}>
                <button
                  type="button"
                  onClick={() => setParams({ template: t.id })}
                  className="h-full w-full rounded-xl border border-slate-200 bg-white p-5 text-left shadow-sm transition hover:border-brand hover:shadow-md"
                >
                  <span className="flex items-center justify-between gap-2">
                    <span className="font-semibold text-slate-900">{t.name}</span>
                    <Badge tone={t.visibility === "system" ? "blue" : "slate"}>{t.visibility}</Badge>
                  </span>
                  <span className="mt-1 block text-sm text-slate-600">{t.description}</span>
                </button>
              </li>
            ))}
          </ul>
        )
      ) : template.error ? (
        <ErrorPanel error={template.error} retry={() => void template.refetch()} />
      ) : !template.data ? (
        <Loading what="the template" />
      ) : (
        <SettingsStep orgId={org.id} teamId={team.id} template={template.data} onBack={() => setParams({})} />
      )}
    </>
  );
}

function Step({ n, label, current }: { n: number; label: string; current: boolean }) {
  return (
    <li aria-current={current ? "step" : undefined} className={`flex items-center gap-2 ${current ? "font-semibold text-slate-900" : "text-slate-500"}`}>
      <span className={`grid size-6 place-items-center rounded-full text-xs ${current ? "bg-brand text-white" : "bg-slate-200 text-slate-600"}`}>{n}</span>
      {label}
      {n < 3 && <span aria-hidden className="text-slate-300">/</span>}
    </li>
  );
}

function SettingsStep({ orgId, teamId, template, onBack }: { orgId: string; teamId: string; template: TemplateDetails; onBack: () => void }) {
  const navigate = useNavigate();
  const notify = useToast();
  const schema = useMemo(() => deploySchema(template.settings), [template.settings]);
  const form = useForm<DeployForm>({
    resolver: zodResolver(schema) as unknown as Resolver<DeployForm>,   // the schema is built at run time from the settings
    defaultValues: { name: suggestName(template.name), values: Object.fromEntries(template.settings.map((s) => [s.name, ""])) },
  });
  const [confirming, setConfirming] = useState<DeployForm | null>(null);
  const create = useAction(
    (input: DeployForm) => unwrap(api.POST("/api/deployments", {
      body: { teamId, templateId: template.id, templateVersion: template.version, name: input.name.trim(), values: valuesToSend(input) },
    })),
    () => [keys.deployments(teamId), keys.usage(orgId)],
  );

  const submit = (input: DeployForm) => {
    create.mutate(input, {
      onSuccess: (deployment) => {
        notify("success", `${deployment.name} is being deployed.`);
        navigate(`/orgs/${orgId}/deployments/${deployment.id}`);
      },
      onError: (error) => {
        setConfirming(null);
        if (!placeFieldErrors(error, form.setError)) notify("error", messageOf(error));
      },
    });
  };

  const errors = form.formState.errors;
  if (confirming) {
    const values = valuesToSend(confirming);
    return (
      <Card className="p-6">
        <h2 className="text-lg font-semibold">Deploy {confirming.name}?</h2>
        <dl className="mt-4 grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
          <dt className="text-slate-500">Template</dt><dd>{template.name} · v{template.version}</dd>
          <dt className="text-slate-500">Services</dt><dd>{template.services.map((s) => s.name).join(", ")}</dd>
          {template.settings.map((s) => (
            <div key={s.name} className="contents">
              <dt className="font-mono text-slate-500">{s.name}</dt>
              <dd className="truncate">{s.secret && values[s.name] ? "••••••••" : values[s.name] ?? <span className="text-slate-500">default{s.default ? ` (${s.default})` : ""}</span>}</dd>
            </div>
          ))}
        </dl>
        <div className="mt-6 flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setConfirming(null)} disabled={create.isPending}>Back</Button>
          <Button onClick={() => submit(confirming)} busy={create.isPending}>{create.isPending ? "Deploying…" : "Deploy"}</Button>
        </div>
      </Card>
    );
  }
  return (
    <Card className="p-6">
      <div className="mb-5 flex items-center justify-between gap-3">
        <div>
          <h2 className="text-lg font-semibold">{template.name}</h2>
          <p className="text-sm text-slate-600">{template.description}</p>
        </div>
        <button type="button" onClick={onBack} className="text-sm font-semibold text-brand hover:underline">Change template</button>
      </div>
      <form noValidate onSubmit={form.handleSubmit((input) => setConfirming(input))} className="space-y-5">
        <Field label="Name" hint="Part of its address; lower-case letters, digits and dashes." error={errors.name?.message}>
          {(props) => <input {...props} {...form.register("name")} autoComplete="off" className={inputClass} />}
        </Field>
        <SettingFields settings={template.settings} register={form.register} errors={errors} />
        <div className="flex justify-between gap-2">
          <Link to={`/orgs/${orgId}`} className="self-center text-sm text-slate-600 hover:underline">Cancel</Link>
          <Button type="submit">Review</Button>
        </div>
      </form>
    </Card>
  );
}
