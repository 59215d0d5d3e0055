import { useState } from "react";
import { useSearchParams } from "react-router";
import { useMe } from "../api/hooks";
import { Brand } from "../app/Layout";
import { returnPath } from "../app/session";
import { ButtonLink, Card, Field, inputClass } from "../components/ui";

/** Why the server sent the browser back here (`/signin?error=<code>`, see OidcSignIn.Refusals), in plain words. */
export const refusals: Record<string, string> = {
  state_invalid: "This sign-in could not be matched to this browser: it may have been started in another tab or window, or have taken too long. Please try again.",
  access_denied: "Sign-in was cancelled, or the provider refused access.",
  provider_error: "The sign-in provider reported an error. Please try again.",
  code_rejected: "This sign-in answer was already used or has expired. Please sign in again.",
  nonce_invalid: "The provider's answer did not belong to this sign-in attempt. Please try again.",
  token_expired: "The provider's answer had expired before it arrived. Please try again; if this keeps happening, the server's clock may be wrong.",
  audience_invalid: "The provider's answer was meant for another application. Ask your administrator to check the sign-in settings.",
  issuer_invalid: "The answer came from another provider than the one configured. Ask your administrator to check the sign-in settings.",
  signature_invalid: "The provider's answer was not signed with the provider's key, so it was refused.",
  token_invalid: "The provider's answer could not be verified, so it was refused.",
  email_unverified: "Your e-mail address is not verified with the provider. Verify it there, then sign in again.",
  provider_unavailable: "The sign-in provider cannot be reached right now. Please try again in a few minutes.",
};
const refusedAnyway = "Sign-in did not complete. Please try again.";

/** Sign-in: Google (or the server's OpenID Connect provider). In DEV_MODE everybody is signed in already; a developer may switch to another e-mail. */
export function SignIn() {
  const me = useMe();
  const [email, setEmail] = useState("");
  const signedIn = me.data?.user;
  const [params] = useSearchParams();
  const next = returnPath(params.get("next"));
  const error = params.get("error");
  return (
    <div className="grid min-h-dvh place-items-center bg-slate-50 px-4">
      <Card className="w-full max-w-sm p-8">
        <div className="flex justify-center"><Brand full /></div>
        <h1 className="mt-6 text-center text-xl font-semibold text-slate-900">Sign in</h1>
        <p className="mt-1 text-center text-sm text-slate-600">Deploy and run your team's apps.</p>
        {error && (
          <p role="alert" className="mt-6 rounded-md bg-red-50 px-4 py-3 text-sm text-red-800 ring-1 ring-inset ring-red-200">
            {Object.hasOwn(refusals, error) ? refusals[error] : refusedAnyway}
          </p>
        )}
        <a
          href={next === "/" ? "/auth/login" : `/auth/login?returnTo=${encodeURIComponent(next)}`}
          className="mt-6 flex w-full items-center justify-center gap-3 rounded-md bg-white px-4 py-2.5 text-sm font-semibold text-slate-800 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
        >
          <svg aria-hidden viewBox="0 0 24 24" className="size-5">
            <path fill="#4285F4" d="M23.5 12.3c0-.8-.1-1.6-.2-2.3H12v4.5h6.5a5.6 5.6 0 0 1-2.4 3.6v3h3.9c2.2-2.1 3.5-5.1 3.5-8.8z" />
            <path fill="#34A853" d="M12 24c3.2 0 6-1.1 7.9-2.9l-3.9-3c-1.1.7-2.4 1.2-4 1.2-3.1 0-5.7-2.1-6.7-4.9h-4v3.1A12 12 0 0 0 12 24z" />
            <path fill="#FBBC05" d="M5.3 14.4a7.2 7.2 0 0 1 0-4.7V6.6h-4a12 12 0 0 0 0 10.9l4-3.1z" />
            <path fill="#EA4335" d="M12 4.8c1.8 0 3.3.6 4.6 1.8l3.4-3.4A12 12 0 0 0 1.3 6.6l4 3.1C6.3 6.9 8.9 4.8 12 4.8z" />
          </svg>
          Continue with Google
        </a>
        {signedIn && (
          <div className="mt-8 border-t border-slate-200 pt-6">
            <p className="text-sm text-slate-600">Signed in as <strong className="text-slate-900">{signedIn.email}</strong>.</p>
            <div className="mt-3"><ButtonLink to={next}>Continue</ButtonLink></div>
            <form action="/auth/login" method="get" className="mt-6 space-y-3">
              {next !== "/" && <input type="hidden" name="returnTo" value={next} />}
              <Field label="Developer mode: sign in as" hint="Any e-mail address; the account is created on first use.">
                {(props) => <input {...props} name="as" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} placeholder="alice@example.com" className={inputClass} />}
              </Field>
              <button type="submit" className="text-sm font-semibold text-brand hover:underline">Switch user</button>
            </form>
          </div>
        )}
      </Card>
    </div>
  );
}
