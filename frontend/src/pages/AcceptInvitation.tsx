import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useParams } from "react-router";
import { api, ApiError, messageOf, unwrap } from "../api/client";
import { keys } from "../api/hooks";
import { Brand } from "../app/Layout";
import { roleLabels } from "../app/org";
import { Button, ButtonLink, Card, ErrorPanel, Loading } from "../components/ui";
import { formatDay } from "./Invitations";

const closed: Record<string, string> = {
  accepted: "This invitation has been accepted already; each invitation link works once.",
  declined: "This invitation was declined.",
  revoked: "This invitation was withdrawn by the organization.",
  expired: "This invitation has expired. Ask the person who invited you to send it again.",
};

/**
 * What an invitation link opens (/invitations/:token): where to, which role, from whom. Accepting needs a signed-in
 * account with the invited e-mail (a 401 sends the browser to sign in and back here); declining needs none.
 */
export function AcceptInvitation() {
  const { token = "" } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const preview = useQuery({
    queryKey: ["invitation", token],
    queryFn: () => unwrap(api.GET("/api/invitations/by-token/{token}", { params: { path: { token } } })),
    retry: false,
  });
  const accept = useMutation({
    mutationFn: () => unwrap(api.POST("/api/invitations/accept", { body: { token } })),
    onSuccess: async (accepted) => {
      await client.invalidateQueries({ queryKey: keys.me });
      navigate(`/orgs/${accepted.organizationId}/teams`);
    },
  });
  const decline = useMutation({
    mutationFn: () => unwrap(api.POST("/api/invitations/decline", { body: { token } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["invitation", token] }),
  });
  const invitation = preview.data;
  const refusal = accept.error ?? decline.error;
  return (
    <div className="grid min-h-dvh place-items-center bg-slate-50 px-4">
      <Card className="w-full max-w-md p-8">
        <div className="flex justify-center"><Brand full /></div>
        <h1 className="mt-6 text-center text-xl font-semibold text-slate-900">Invitation</h1>
        {preview.error ? (
          <div className="mt-6">
            {preview.error instanceof ApiError && preview.error.status === 404
              ? <p role="alert" className="text-sm text-slate-700">This invitation link is not valid: it may have been replaced by a newer invitation mail.</p>
              : <ErrorPanel error={preview.error} retry={() => void preview.refetch()} />}
          </div>
        ) : !invitation ? <Loading what="the invitation" /> : (
          <div className="mt-6 space-y-4 text-sm text-slate-700">
            <p>
              <strong className="text-slate-900">{invitation.invitedBy ?? "Someone"}</strong> invited <strong className="text-slate-900">{invitation.email}</strong> to
              {" "}{invitation.teamName ? <>the team <strong className="text-slate-900">{invitation.teamName}</strong> of </> : null}
              <strong className="text-slate-900">{invitation.organizationName}</strong> as <strong className="text-slate-900">{roleLabels[invitation.role] ?? invitation.role}</strong>.
            </p>
            {invitation.status === "pending" ? (
              <>
                <p className="text-slate-500">The invitation expires on {formatDay(invitation.expiresAt)}. Sign in with {invitation.email} to accept it.</p>
                {refusal && <p role="alert" className="rounded-md bg-red-50 px-4 py-3 text-red-800 ring-1 ring-inset ring-red-200">{messageOf(refusal)}</p>}
                <div className="flex justify-end gap-2">
                  <Button variant="secondary" busy={decline.isPending} disabled={accept.isPending} onClick={() => decline.mutate()}>Decline</Button>
                  <Button busy={accept.isPending} disabled={decline.isPending} onClick={() => accept.mutate()}>Accept invitation</Button>
                </div>
              </>
            ) : (
              <>
                <p role="status">{closed[invitation.status] ?? `This invitation is ${invitation.status}.`}</p>
                <div className="flex justify-end"><ButtonLink to="/" variant="secondary">Go to the start page</ButtonLink></div>
              </>
            )}
          </div>
        )}
      </Card>
    </div>
  );
}
