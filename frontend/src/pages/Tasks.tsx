import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, messageOf, unwrap, type Schemas } from "../api/client";
import { useAction } from "../api/hooks";
import { TeamPicker } from "../app/OrgLayout";
import { useOrgContext } from "../app/org";
import { useToast } from "../app/toast";
import { Badge, Button, Card, EmptyState, ErrorPanel, Field, Loading, PageHeader, formatTime, inputClass } from "../components/ui";

type TaskSummary = Schemas["TaskSummaryDto"];
type WorkflowSummary = Schemas["WorkflowSummaryDto"];
type TaskSpec = Schemas["TaskSpecDto"];

const taskKeys = {
  tasks: (teamId: string) => ["tasks", teamId] as const,
  workflows: (teamId: string) => ["workflows", teamId] as const,
};

const finished = (phase: string) => ["Succeeded", "Failed", "Timeout", "Cancelled"].includes(phase);

/** A task's phase: green once it succeeded, red when it failed or timed out, grey when cancelled, amber while on its way. */
export function TaskPhaseBadge({ phase }: { phase: string }) {
  const tone = phase === "Succeeded" ? "green" : phase === "Failed" || phase === "Timeout" ? "red" : phase === "Cancelled" || phase === "Skipped" ? "slate" : "amber";
  return (
    <Badge tone={tone}>
      <span aria-hidden className={`mr-1.5 size-1.5 rounded-full bg-current ${tone === "amber" ? "animate-pulse" : ""}`} />
      {phase}
    </Badge>
  );
}

/**
 * Reads "NAME=value" lines into the task's input (a value may contain '='; blank lines are skipped). Built with
 * Object.fromEntries: every name, __proto__ too, becomes a member of its own.
 */
export function parseInput(text: string): { input: Record<string, string>; error?: string } {
  const entries: [string, string][] = [];
  for (const [index, line] of text.split("\n").entries()) {
    if (!line.trim()) continue;
    const at = line.indexOf("=");
    const name = at < 0 ? "" : line.slice(0, at).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,62}$/.test(name)) return { input: Object.fromEntries(entries), error: `Line ${index + 1}: write NAME=value (a name of letters, digits, _, . or -).` };
    entries.push([name, line.slice(at + 1)]);
  }
  return { input: Object.fromEntries(entries) };
}

/** The team's tasks (start one, follow its phase, read its output) and workflows (each step with its phase and output). */
export function Tasks() {
  const context = useOrgContext();
  const { org, team, can } = context;
  const tasks = useQuery({
    queryKey: taskKeys.tasks(team?.id ?? ""),
    enabled: !!team,
    queryFn: () => unwrap(api.GET("/api/tasks", { params: { query: { teamId: team!.id, pageSize: 50 } } })),
    refetchInterval: (query) => (query.state.data?.items.some((t) => !finished(t.phase)) ? 1500 : 15_000),
  });
  const workflows = useQuery({
    queryKey: taskKeys.workflows(team?.id ?? ""),
    enabled: !!team,
    queryFn: () => unwrap(api.GET("/api/workflows", { params: { query: { teamId: team!.id, pageSize: 50 } } })),
    refetchInterval: (query) => (query.state.data?.items.some((w) => !finished(w.phase)) ? 1500 : 15_000),
  });
  return (
    <>
      <PageHeader
        title="Tasks"
        subtitle={<>Containers that run once to their end, in team {team?.name ?? "—"} of {org.name}. Unfinished tasks and workflows count toward the plan's limit.</>}
        actions={<TeamPicker value={context} />}
      />
      {!team ? (
        <EmptyState title="You are in no team yet">Ask an admin of {org.name} to add you to a team.</EmptyState>
      ) : (
        <div className="space-y-6">
          {can("deploy:create") && <StartTaskForm teamId={team.id} />}
          <section aria-labelledby="tasks-heading">
            <h2 id="tasks-heading" className="mb-2 text-lg font-semibold text-slate-900">Tasks</h2>
            {tasks.error ? <ErrorPanel error={tasks.error} retry={() => void tasks.refetch()} />
              : !tasks.data ? <Loading what="tasks" />
              : tasks.data.items.length === 0 ? <EmptyState title="No tasks yet">A task runs an image with a command and named inputs; its container's output shows up here.</EmptyState>
              : <ul className="space-y-3" aria-label="Tasks">{tasks.data.items.map((t) => <TaskCard key={t.id} task={t} teamId={team.id} canCancel={can("deploy:manage")} />)}</ul>}
          </section>
          <section aria-labelledby="workflows-heading">
            <h2 id="workflows-heading" className="mb-2 text-lg font-semibold text-slate-900">Workflows</h2>
            {workflows.error ? <ErrorPanel error={workflows.error} retry={() => void workflows.refetch()} />
              : !workflows.data ? <Loading what="workflows" />
              : workflows.data.items.length === 0 ? <p className="text-sm text-slate-600">No workflows yet. Start one through the API (POST /api/workflows): its steps run in order.</p>
              : <ul className="space-y-3" aria-label="Workflows">{workflows.data.items.map((w) => <WorkflowCard key={w.id} workflow={w} teamId={team.id} canCancel={can("deploy:manage")} />)}</ul>}
          </section>
        </div>
      )}
    </>
  );
}

function StartTaskForm({ teamId }: { teamId: string }) {
  const notify = useToast();
  const [image, setImage] = useState("");
  const [command, setCommand] = useState("");
  const [inputText, setInputText] = useState("");
  const [timeout, setTimeoutSeconds] = useState("600");
  const [error, setError] = useState<string | undefined>();
  const start = useAction(
    (body: Schemas["CreateTaskRequest"]) => unwrap(api.POST("/api/tasks", { body })),
    () => [[...taskKeys.tasks(teamId)]],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { input, error: inputError } = parseInput(inputText);
    setError(inputError);
    if (inputError) return;
    const lines = command.split("\n").filter((line) => line.length > 0);
    start.mutate({ teamId, image: image.trim(), command: lines.length > 0 ? lines : null, input, timeoutSeconds: Number(timeout) || null }, {
      onSuccess: () => { notify("success", "The task was started."); setCommand(""); setInputText(""); },
      onError: (failure) => notify("error", messageOf(failure)),
    });
  };
  return (
    <Card className="p-4">
      <form onSubmit={submit} className="grid gap-3 sm:grid-cols-2" aria-label="Start a task">
        <Field label="Image" hint="A container image reference, such as busybox:1.36.">
          {(p) => <input {...p} className={`${inputClass} font-mono`} value={image} onChange={(e) => setImage(e.target.value)} autoComplete="off" spellCheck={false} required />}
        </Field>
        <Field label="Timeout (seconds)" hint="10 to 86400; the task times out past it.">
          {(p) => <input {...p} type="number" min={10} max={86400} className={inputClass} value={timeout} onChange={(e) => setTimeoutSeconds(e.target.value)} />}
        </Field>
        <Field label="Command" hint="One argument per line; empty: the image's own command.">
          {(p) => <textarea {...p} rows={3} className={`${inputClass} font-mono`} value={command} onChange={(e) => setCommand(e.target.value)} spellCheck={false} />}
        </Field>
        <Field label="Input" hint="One NAME=value per line: the container gets TASK_INPUT (all as JSON) and INPUT_NAME each." error={error}>
          {(p) => <textarea {...p} rows={3} className={`${inputClass} font-mono`} value={inputText} onChange={(e) => setInputText(e.target.value)} spellCheck={false} />}
        </Field>
        <div className="sm:col-span-2"><Button type="submit" busy={start.isPending} disabled={!image.trim()}>Start task</Button></div>
      </form>
    </Card>
  );
}

function Output({ output, label }: { output: Record<string, string> | null | undefined; label: string }) {
  if (!output) return null;
  return (
    <div className="mt-2">
      <h4 className="text-xs font-medium uppercase text-slate-500">{label}</h4>
      <pre className="mt-1 max-h-60 overflow-auto rounded-md bg-slate-50 p-2 font-mono text-xs text-slate-800" aria-label={label}>{JSON.stringify(output, null, 2)}</pre>
    </div>
  );
}

function CancelButton({ path, id, invalidate }: { path: "/api/tasks/{id}/cancel" | "/api/workflows/{id}/cancel"; id: string; invalidate: readonly string[] }) {
  const notify = useToast();
  const cancel = useAction(() => unwrap(api.POST(path, { params: { path: { id } } })), () => [[...invalidate]]);
  return (
    <Button variant="secondary" busy={cancel.isPending}
      onClick={() => cancel.mutate(undefined, { onSuccess: () => notify("success", "Cancelled."), onError: (failure) => notify("error", messageOf(failure)) })}>
      Cancel
    </Button>
  );
}

/** What a task or a workflow's steps run: read by id when opened (lists leave the specs out). */
function SpecDetails({ path, id }: { path: "/api/tasks/{id}" | "/api/workflows/{id}"; id: string }) {
  const [open, setOpen] = useState(false);
  const detail = useQuery({
    queryKey: [path, id] as const,
    enabled: open,
    staleTime: Infinity,   // a spec does not change
    queryFn: async (): Promise<{ name: string; task: TaskSpec }[]> => {
      if (path === "/api/tasks/{id}") return [{ name: "", task: (await unwrap(api.GET(path, { params: { path: { id } } }))).spec }];
      return (await unwrap(api.GET(path, { params: { path: { id } } }))).steps.map((s) => ({ name: s.name, task: s.task }));
    },
  });
  return (
    <details className="mt-2" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="cursor-pointer text-xs font-medium text-slate-600">What it runs</summary>
      {detail.error ? <ErrorPanel error={detail.error} retry={() => void detail.refetch()} />
        : !detail.data ? (open ? <Loading what="the spec" /> : null)
        : (
          <dl className="mt-1 space-y-1 font-mono text-xs text-slate-700" aria-label="Spec">
            {detail.data.map(({ name, task }) => (
              <div key={name}>
                <dt className="font-semibold">{name ? `${name}: ` : ""}{task.image}</dt>
                <dd>{task.command.join(" ") || "(the image's command)"}</dd>
                {Object.keys(task.input).length > 0 && <dd>input: {Object.keys(task.input).join(", ")}</dd>}
                <dd>timeout {task.timeoutSeconds}s</dd>
              </div>
            ))}
          </dl>
        )}
    </details>
  );
}

function TaskCard({ task: t, teamId, canCancel }: { task: TaskSummary; teamId: string; canCancel: boolean }) {
  return (
    <li>
      <Card className="p-4">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <h3 className="min-w-0 truncate font-mono text-sm font-semibold text-slate-900">{t.name}</h3>
          <div className="flex items-center gap-2">
            <TaskPhaseBadge phase={t.phase} />
            {canCancel && !finished(t.phase) && <CancelButton path="/api/tasks/{id}/cancel" id={t.id} invalidate={taskKeys.tasks(teamId)} />}
          </div>
        </div>
        {t.message && <p className="mt-2 text-sm text-slate-700">{t.message}</p>}
        <Output output={t.output} label="Output" />
        <SpecDetails path="/api/tasks/{id}" id={t.id} />
        <p className="mt-2 text-xs text-slate-500">started {formatTime(t.createdAt)}{t.finishedAt ? ` · finished ${formatTime(t.finishedAt)}` : ""}</p>
      </Card>
    </li>
  );
}

function WorkflowCard({ workflow: w, teamId, canCancel }: { workflow: WorkflowSummary; teamId: string; canCancel: boolean }) {
  return (
    <li>
      <Card className="p-4">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <h3 className="font-mono text-sm font-semibold text-slate-900">{w.name}</h3>
          <div className="flex items-center gap-2">
            <TaskPhaseBadge phase={w.phase} />
            {canCancel && !finished(w.phase) && <CancelButton path="/api/workflows/{id}/cancel" id={w.id} invalidate={taskKeys.workflows(teamId)} />}
          </div>
        </div>
        {w.message && <p className="mt-2 text-sm text-slate-700">{w.message}</p>}
        <ol className="mt-3 space-y-2" aria-label={`Steps of ${w.name}`}>
          {w.steps.map((s, i) => (
            <li key={s.name} className="rounded-md border border-slate-200 p-2">
              <div className="flex items-center justify-between gap-2">
                <span className="text-sm font-medium text-slate-800">{i + 1}. {s.name}</span>
                <TaskPhaseBadge phase={s.phase} />
              </div>
              <Output output={s.output} label={`Output of ${s.name}`} />
            </li>
          ))}
        </ol>
        <SpecDetails path="/api/workflows/{id}" id={w.id} />
        <p className="mt-2 text-xs text-slate-500">started {formatTime(w.createdAt)}{w.finishedAt ? ` · finished ${formatTime(w.finishedAt)}` : ""}</p>
      </Card>
    </li>
  );
}
