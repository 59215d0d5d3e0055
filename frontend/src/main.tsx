import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider } from "react-router";
import { ApiError } from "./api/client";
import { signInIfSignedOut } from "./app/session";
import { ToastProvider } from "./app/toast";
import { router } from "./router";
import "./index.css";

const queries = new QueryClient({
  queryCache: new QueryCache({ onError: (error) => signInIfSignedOut(error) }),
  mutationCache: new MutationCache({ onError: (error) => signInIfSignedOut(error) }),
  defaultOptions: {
    queries: {
      // A 4xx will not heal by asking again; a network blip or a 5xx may.
      retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      refetchOnWindowFocus: true,
    },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <ToastProvider>
        <RouterProvider router={router} />
      </ToastProvider>
    </QueryClientProvider>
  </StrictMode>,
);
