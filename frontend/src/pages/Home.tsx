import { Navigate } from "react-router";
import { useMe } from "../api/hooks";
import { Shell } from "../app/Layout";
import { ErrorPanel, Loading } from "../components/ui";

/** "/": the last organization used, the first one, or the creation of one; sign-in when nobody is signed in (a 401 anywhere leads there). */
export function Home() {
  const me = useMe();
  if (me.error) return <Shell><ErrorPanel error={me.error} retry={() => void me.refetch()} /></Shell>;
  if (!me.data) return <Shell><Loading what="your organizations" /></Shell>;
  const orgs = me.data.organizations;
  if (orgs.length === 0) return <Navigate to="/orgs/new" replace />;
  const last = localStorage.getItem("cleanscheduler.org");
  const target = orgs.find((o) => o.id === last) ?? orgs[0]!;
  return <Navigate to={`/orgs/${target.id}`} replace />;
}
