import { useCallback, useMemo, useState } from "react";
import { Outlet, useParams } from "react-router";
import { useBranding, useOrg, useTeams } from "../api/hooks";
import { ErrorPanel, Loading } from "../components/ui";
import { Shell, Tab } from "./Layout";
import { OrgContext, type OrgContextValue } from "./org";

/** An organization's pages: loads it and its teams, keeps the selected team (per organization, across visits). */
export function OrgLayout() {
  const { orgId = "" } = useParams();
  const org = useOrg(orgId);
  const teams = useTeams(orgId);
  const billingEnabled = useBranding().data?.billingEnabled;
  const storageKey = `cleanscheduler.team.${orgId}`;
  const [chosen, setChosen] = useState<string | null>(() => localStorage.getItem(storageKey));
  const selectTeam = useCallback((id: string) => {
    localStorage.setItem(storageKey, id);
    setChosen(id);
  }, [storageKey]);

  const value = useMemo<OrgContextValue | null>(() => {
    if (!org.data || !teams.data) return null;
    const all = teams.data.items;
    const mine = all.filter((t) => t.role);
    const team = all.find((t) => t.id === chosen && t.role) ?? all.find((t) => t.id === org.data.defaultTeamId && t.role) ?? mine[0] ?? all[0];
    const orgPermissions = new Set(org.data.permissions);
    const canIn = (teamId: string | undefined, p: string) =>
      orgPermissions.has(p) || (all.find((t) => t.id === teamId)?.permissions.includes(p) ?? false);
    return { org: org.data, teams: all, team, selectTeam, canIn, can: (p) => canIn(team?.id, p) };
  }, [org.data, teams.data, chosen, selectTeam]);

  const base = `/orgs/${orgId}`;
  const nav = (
    <>
      <Tab to={base} end>Deployments</Tab>
      <Tab to={`${base}/tasks`}>Tasks</Tab>
      <Tab to={`${base}/templates`}>Templates</Tab>
      <Tab to={`${base}/teams`}>Teams</Tab>
      <Tab to={`${base}/usage`}>Usage</Tab>
      {billingEnabled && <Tab to={`${base}/billing`}>Billing</Tab>}
      <Tab to={`${base}/secrets`}>Secrets</Tab>
      {value?.can("org:view_audit") && <Tab to={`${base}/audit`}>Audit log</Tab>}
    </>
  );
  return (
    <Shell orgId={orgId} nav={nav}>
      {org.error || teams.error ? (
        <ErrorPanel error={org.error ?? teams.error} retry={() => { void org.refetch(); void teams.refetch(); }} />
      ) : !value ? (
        <Loading what="the organization" />
      ) : (
        <OrgContext.Provider value={value}>
          <Outlet />
        </OrgContext.Provider>
      )}
    </Shell>
  );
}

/** Chooses the team whose deployments and templates the page shows (only when there is more than one). */
export function TeamPicker({ value }: { value: OrgContextValue }) {
  const choices = value.teams.filter((t) => t.role);
  if (choices.length < 2 || !value.team) return null;
  return (
    <div className="flex items-center gap-2 text-sm">
      <label htmlFor="team-picker" className="text-slate-600">Team</label>
      <select
        id="team-picker"
        value={value.team.id}
        onChange={(e) => value.selectTeam(e.target.value)}
        className="rounded-md border-0 py-1.5 pl-2 pr-8 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-brand"
      >
        {choices.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
      </select>
    </div>
  );
}
