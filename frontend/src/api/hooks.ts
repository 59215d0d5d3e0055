import { useMutation, useQuery, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "./client";

const PAGE = 100;

export const keys = {
  me: ["me"] as const,
  branding: ["branding"] as const,
  org: (id: string) => ["org", id] as const,
  teams: (orgId: string) => ["org", orgId, "teams"] as const,
  orgMembers: (orgId: string) => ["org", orgId, "members"] as const,
  usage: (orgId: string) => ["org", orgId, "usage"] as const,
  audit: (orgId: string, page: number) => ["org", orgId, "audit", page] as const,
  plans: ["plans"] as const,
  teamMembers: (teamId: string) => ["team", teamId, "members"] as const,
  deployments: (teamId: string) => ["deployments", teamId] as const,
  deployment: (id: string) => ["deployment", id] as const,
  manifests: (id: string) => ["deployment", id, "manifests"] as const,
  templates: (teamId: string) => ["templates", teamId] as const,
  /** Every version of one template (the prefix of each version's key). */
  templateVersions: (id: string) => ["template", id] as const,
  template: (id: string, version?: number) => ["template", id, version ?? "current"] as const,
};

export const useMe = () => useQuery({ queryKey: keys.me, queryFn: () => unwrap(api.GET("/api/me")), staleTime: 30_000 });

export const useBranding = () =>
  useQuery({ queryKey: keys.branding, queryFn: () => unwrap(api.GET("/api/branding")), staleTime: Infinity });

export const useOrg = (id: string) =>
  useQuery({ queryKey: keys.org(id), queryFn: () => unwrap(api.GET("/api/orgs/{id}", { params: { path: { id } } })) });

export const useTeams = (orgId: string) =>
  useQuery({
    queryKey: keys.teams(orgId),
    queryFn: () => unwrap(api.GET("/api/orgs/{id}/teams", { params: { path: { id: orgId }, query: { pageSize: PAGE } } })),
  });

export const useOrgMembers = (orgId: string) =>
  useQuery({
    queryKey: keys.orgMembers(orgId),
    queryFn: () => unwrap(api.GET("/api/orgs/{id}/members", { params: { path: { id: orgId }, query: { pageSize: PAGE } } })),
  });

export const useTeamMembers = (teamId: string | undefined) =>
  useQuery({
    queryKey: keys.teamMembers(teamId ?? ""),
    enabled: !!teamId,
    queryFn: () => unwrap(api.GET("/api/teams/{id}/members", { params: { path: { id: teamId! }, query: { pageSize: PAGE } } })),
  });

export const useUsage = (orgId: string) =>
  useQuery({ queryKey: keys.usage(orgId), queryFn: () => unwrap(api.GET("/api/orgs/{id}/usage", { params: { path: { id: orgId } } })) });

export const useAudit = (orgId: string, page: number) =>
  useQuery({
    queryKey: keys.audit(orgId, page),
    queryFn: () => unwrap(api.GET("/api/orgs/{id}/audit", { params: { path: { id: orgId }, query: { page, pageSize: 25 } } })),
    placeholderData: (previous) => previous,
  });

export const usePlans = () => useQuery({ queryKey: keys.plans, queryFn: () => unwrap(api.GET("/api/plans")), staleTime: 60_000 });

/** A team's deployments; refreshed every few seconds while any of them is still on its way somewhere. */
export const useDeployments = (teamId: string | undefined) =>
  useQuery({
    queryKey: keys.deployments(teamId ?? ""),
    enabled: !!teamId,
    queryFn: () => unwrap(api.GET("/api/deployments", { params: { query: { teamId: teamId!, pageSize: PAGE } } })),
    refetchInterval: (query) => (query.state.data?.items.some((d) => isMoving(d.phase)) ? 3000 : 15_000),
  });

export const useDeployment = (id: string) =>
  useQuery({
    queryKey: keys.deployment(id),
    queryFn: () => unwrap(api.GET("/api/deployments/{id}", { params: { path: { id } } })),
    refetchInterval: (query) => (query.state.data && isMoving(query.state.data.phase) ? 3000 : 15_000),
  });

/** The Kubernetes manifests of a deployment, as the YAML the server renders. */
export const useManifests = (id: string) =>
  useQuery({
    queryKey: keys.manifests(id),
    queryFn: () => unwrap(api.GET("/api/deployments/{id}/manifests", { params: { path: { id } }, parseAs: "text" })),
  });

export const useTemplates = (teamId: string | undefined) =>
  useQuery({
    queryKey: keys.templates(teamId ?? ""),
    enabled: !!teamId,
    queryFn: () => unwrap(api.GET("/api/templates", { params: { query: { teamId: teamId!, pageSize: PAGE } } })),
  });

export const useTemplate = (id: string | undefined, version?: number) =>
  useQuery({
    queryKey: keys.template(id ?? "", version),
    enabled: !!id,
    queryFn: () => unwrap(api.GET("/api/templates/{id}", { params: { path: { id: id! }, query: version ? { version } : {} } })),
  });

export const isMoving = (phase: string) => phase === "Pending" || phase === "Provisioning";

/** A mutation that refreshes the given queries once it succeeded. */
export function useAction<TInput, TOutput>(run: (input: TInput) => Promise<TOutput>, invalidate: (input: TInput, output: TOutput) => QueryKey[]) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: async (output, input) => {
      await Promise.all(invalidate(input, output).map((queryKey) => client.invalidateQueries({ queryKey })));
    },
  });
}

export type Me = Schemas["MeDto"];
export type Org = Schemas["OrganizationDetails"];
export type Team = Schemas["TeamDto"];
export type Member = Schemas["MemberDto"];
export type DeploymentSummary = Schemas["DeploymentSummary"];
export type DeploymentDetails = Schemas["DeploymentDetails"];
export type TemplateSummary = Schemas["TemplateSummary"];
export type TemplateDetails = Schemas["TemplateDetails"];
export type Setting = Schemas["SettingDto"];
