import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router";
import { api, ApiError, type SpecError, unwrap } from "../api/client";
import { keys, useAction, useMe, useTemplate } from "../api/hooks";
import { useOrgContext } from "../app/org";
import { useToast } from "../app/toast";
import { YamlEditor } from "../components/YamlEditor";
import { Badge, Button, ButtonLink, Card, ErrorPanel, Field, Loading, PageHeader, formatTime, inputClass } from "../components/ui";

const starter = `services:
  - name: web
    image: nginx:1.27
    ports:
      - { name: http, port: 80, public: true }
    env:
      - { name: GREETING, default: "hello", description: "Shown on the page" }
`;

/** A new template, or an existing one at its current version or ?version=N: YAML with server-side validation at the line. */
export function TemplateEditor() {
  const { templateId } = useParams();
  const [params, setParams] = useSearchParams();
  const version = params.get("version") ? Number(params.get("version")) : undefined;
  const template = useTemplate(templateId, version);
  if (templateId && template.error) return <ErrorPanel error={template.error} retry={() => void template.refetch()} />;
  if (templateId && !template.data) return <Loading what="the template" />;
  return <Editor key={`${templateId}-${template.data?.version}`} existing={template.data} onVersion={(v) => setParams(v ? { version: String(v) } : {})} />;
}

function Editor({ existing, onVersion }: { existing?: import("../api/hooks").TemplateDetails; onVersion: (v: number | null) => void }) {
  const { org, team, can } = useOrgContext();
  const navigate = useNavigate();
  const notify = useToast();
  const editorId = useId();
  const [name, setName] = useState(existing?.name ?? "");
  const [description, setDescription] = useState(existing?.description ?? "");
  const [visibility, setVisibility] = useState("private");
  const [spec, setSpec] = useState(existing?.spec ?? starter);
  const [specErrors, setSpecErrors] = useState<SpecError[]>([]);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const drafts = useMe().data?.capabilities?.templateDrafts ?? false;
  const historic = existing && existing.version !== existing.currentVersion;
  const editable = existing ? existing.canEdit && !historic : can("templates:create");

  const save = useAction(
    async () => existing
      ? unwrap(api.PUT("/api/templates/{id}", { params: { path: { id: existing.id } }, body: { name, description, spec } }))
      : unwrap(api.POST("/api/templates", { body: { teamId: team?.id ?? null, name, description, visibility, spec } })),
    (_, saved) => [keys.templates(team?.id ?? ""), keys.templateVersions(saved.id)],
  );
  const submit = () => {
    setFieldErrors({});
    save.mutate(undefined, {
      onSuccess: (saved) => {
        notify("success", existing ? `Saved as version ${saved.version}.` : `${saved.name} created.`);
        if (existing) onVersion(null); else navigate(`/orgs/${org.id}/templates/${saved.id}`);
      },
      onError: (error) => {
        if (error instanceof ApiError && error.problem.specErrors?.length) { setSpecErrors(error.problem.specErrors); return; }
        if (error instanceof ApiError && error.problem.errors) {
          setFieldErrors(Object.fromEntries(Object.entries(error.problem.errors).map(([k, v]) => [k.toLowerCase(), v[0] ?? ""])));
          if (!["name", "description", "spec", "visibility"].some((k) => error.field(k))) notify("error", error.message);
          return;
        }
        notify("error", error.message);
      },
    });
  };

  return (
    <>
      <PageHeader
        title={existing ? existing.name : "New template"}
        subtitle={existing ? <span className="inline-flex flex-wrap items-center gap-2"><Badge tone={existing.visibility === "system" ? "blue" : "slate"}>{existing.visibility}</Badge> version {existing.version} of {existing.currentVersion}</span> : "Describe the services; the settings users fill in come from each service's env."}
        actions={existing && can("deploy:create") ? <ButtonLink to={`/orgs/${org.id}/deploy?template=${existing.id}`}>Deploy this</ButtonLink> : undefined}
      />
      <div className="grid gap-6 lg:grid-cols-[1fr_16rem]">
        <Card className="p-6">
          <form noValidate onSubmit={(e) => { e.preventDefault(); submit(); }} className="space-y-5">
            <div className="grid gap-5 sm:grid-cols-2">
              <Field label="Name" error={fieldErrors.name}>
                {(props) => <input {...props} value={name} readOnly={!editable} onChange={(e) => setName(e.target.value)} className={inputClass} />}
              </Field>
              {!existing && (
                <Field label="Visibility" hint="Who may deploy it." error={fieldErrors.visibility}>
                  {(props) => (
                    <select {...props} value={visibility} onChange={(e) => setVisibility(e.target.value)} className={inputClass}>
                      <option value="private">Private: only you</option>
                      <option value="team">Team: everyone in {team?.name ?? "the team"}</option>
                      <option value="org">Organization: every team</option>
                    </select>
                  )}
                </Field>
              )}
            </div>
            <Field label="Description" error={fieldErrors.description}>
              {(props) => <input {...props} value={description} readOnly={!editable} onChange={(e) => setDescription(e.target.value)} className={inputClass} />}
            </Field>
            <div>
              <span id={`${editorId}-label`} className="block text-sm font-medium text-slate-800">Spec (YAML)</span>
              {drafts && editable && team && (
                <DraftWithAi teamId={team.id} onDraft={(draft) => {
                  setSpec(draft.spec);
                  setSpecErrors(draft.valid ? [] : draft.errors);
                  notify(draft.valid ? "success" : "error", draft.valid
                    ? "Draft ready: review it, then save. Undo (Ctrl+Z in the editor) brings back the previous spec."
                    : "The draft still has problems after two repair rounds; they are marked in the editor.");
                }} />
              )}
              <div className="mt-1">
                <YamlEditor id={editorId} labelledBy={`${editorId}-label`} value={spec} onChange={(v) => { setSpec(v); setSpecErrors([]); }}
                  errors={specErrors} readOnly={!editable} />
              </div>
              {fieldErrors.spec && specErrors.length === 0 && <p role="alert" className="mt-1 text-sm text-red-700">{fieldErrors.spec}</p>}
            </div>
            {editable && (
              <div className="flex justify-end">
                <Button type="submit" busy={save.isPending}>{save.isPending ? "Validating…" : existing ? "Save new version" : "Create template"}</Button>
              </div>
            )}
            {!editable && existing && <p className="text-sm text-slate-500">{historic ? "An earlier version: read only." : "You can read this template but not change it."}</p>}
          </form>
        </Card>
        {existing && (
          <Card className="h-fit p-5">
            <h2 className="text-sm font-semibold text-slate-900">Versions</h2>
            <ol className="mt-3 space-y-1 text-sm">
              {[...existing.versions].reverse().map((v) => (
                <li key={v.number}>
                  <button type="button" onClick={() => onVersion(v.number === existing.currentVersion ? null : v.number)}
                    aria-current={v.number === existing.version ? "true" : undefined}
                    className={`flex w-full justify-between rounded px-2 py-1.5 text-left hover:bg-slate-100 ${v.number === existing.version ? "bg-slate-100 font-semibold" : ""}`}>
                    <span>v{v.number}{v.number === existing.currentVersion ? " (current)" : ""}</span>
                    <span className="text-xs text-slate-500">{formatTime(v.createdAt)}</span>
                  </button>
                </li>
              ))}
            </ol>
            {existing.settings.length > 0 && (
              <>
                <h2 className="mt-6 text-sm font-semibold text-slate-900">Settings</h2>
                <ul className="mt-2 space-y-1 text-xs">
                  {existing.settings.map((s) => <li key={s.name} className="font-mono">{s.name}{s.required ? " *" : ""}{s.secret ? " (secret)" : ""}</li>)}
                </ul>
              </>
            )}
          </Card>
        )}
      </div>
    </>
  );
}

type TemplateDraft = import("../api/client").Schemas["TemplateDraft"];

/** "Draft with AI" (only when the server has it on): a description in, a spec out, checked by the server's parser. */
function DraftWithAi({ teamId, onDraft }: { teamId: string; onDraft: (draft: TemplateDraft) => void }) {
  const notify = useToast();
  const [prompt, setPrompt] = useState("");
  const draft = useMutation({
    mutationFn: () => unwrap(api.POST("/api/templates/drafts", { body: { teamId, prompt } })),
    onSuccess: onDraft,
    onError: (error) => notify("error", error.message),
  });
  return (
    <div className="mt-2 rounded-md bg-slate-50 p-3">
      <Field label="Describe the app" hint="For example: a web app with PostgreSQL and Redis. Only this text is sent to the AI model; review the draft before saving.">
        {(props) => <textarea {...props} value={prompt} rows={2} maxLength={2000} onChange={(e) => setPrompt(e.target.value)} className={inputClass} />}
      </Field>
      <div className="mt-2 flex justify-end">
        <Button variant="secondary" busy={draft.isPending} disabled={prompt.trim().length === 0} onClick={() => draft.mutate()}>
          {draft.isPending ? "Drafting…" : "Draft with AI"}
        </Button>
      </div>
    </div>
  );
}
