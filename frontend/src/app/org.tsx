import { createContext, useContext } from "react";
import type { Org, Team } from "../api/hooks";

export type OrgContextValue = {
  org: Org;
  teams: Team[];
  team: Team | undefined;
  selectTeam: (id: string) => void;
  /** Whether the caller may do this in the selected team (team permissions) or the organization (org permissions). */
  can: (permission: string) => boolean;
  /** The same for a given team (a deployment's own team, which need not be the selected one). */
  canIn: (teamId: string, permission: string) => boolean;
};

export const OrgContext = createContext<OrgContextValue | null>(null);

export function useOrgContext(): OrgContextValue {
  const value = useContext(OrgContext);
  if (!value) throw new Error("useOrgContext outside an organization's pages");
  return value;
}

export const roleLabels: Record<string, string> = {
  org_owner: "Owner",
  org_admin: "Admin",
  org_member: "Member",
  team_admin: "Team admin",
  developer: "Developer",
  viewer: "Viewer",
};

export const orgRoleHelp: Record<string, string> = {
  org_owner: "Everything, including deleting the organization and billing.",
  org_admin: "Manages members, teams, templates and secrets; acts as team admin on every team.",
  org_member: "Sees the organization; what they can do depends on their team roles.",
};

export const teamRoleHelp: Record<string, string> = {
  team_admin: "Manages the team's members, deployments, templates and secrets.",
  developer: "Deploys, starts, stops and deletes deployments; sets their secrets; creates templates.",
  viewer: "Sees deployments, their logs and templates; changes nothing.",
};
