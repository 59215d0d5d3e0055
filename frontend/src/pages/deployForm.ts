import { z } from "zod";
import type { Setting } from "../api/hooks";

export const namePattern = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Each setting's rule: a required one without a default must be filled, unless it is a secret that already has a value
 * (left empty, the stored value is kept).
 */
export function valuesSchema(settings: Setting[], secretsSet: readonly string[] = []) {
  const values: Record<string, z.ZodType<string>> = {};
  for (const s of settings) {
    const needed = s.required && !s.default && !(s.secret && secretsSet.includes(s.name));
    values[s.name] = needed
      ? z.string().trim().min(1, `${s.name} is required.`).max(4096, "At most 4096 characters.")
      : z.string().max(4096, "At most 4096 characters.");
  }
  return z.object(values);
}

/** The deploy form's rules, made from the template's settings: the name, and each setting. */
export function deploySchema(settings: Setting[]) {
  return z.object({
    name: z
      .string()
      .trim()
      .min(1, "Give the deployment a name.")
      .max(40, "At most 40 characters.")
      .regex(namePattern, "Lower-case letters, digits and dashes; it starts with a letter and does not end with a dash."),
    values: valuesSchema(settings),
  });
}

/** The settings form's rules for a running deployment: its secrets that are set may stay empty. */
export const reconfigureSchema = (settings: Setting[], secretsSet: readonly string[]) => z.object({ values: valuesSchema(settings, secretsSet) });

/** The settings form's first values: the plain values as stored; secrets empty (they are never shown). */
export function reconfigureDefaults(settings: Setting[], stored: Record<string, string>): Record<string, string> {
  return Object.fromEntries(settings.map((s) => [s.name, s.secret ? "" : (stored[s.name] ?? "")]));
}

export type DeployForm = { name: string; values: Record<string, string> };

/**
 * The values to send: only what the user typed. An empty plain field takes the template's default; an empty secret
 * field keeps the secret's stored value (the server keeps a secret that is not sent). Given settings, only theirs are sent.
 */
export function valuesToSend(form: Pick<DeployForm, "values">, of?: Setting[]): Record<string, string> {
  const names = of && new Set(of.map((s) => s.name));
  return Object.fromEntries(Object.entries(form.values)
    .filter(([k, v]) => typeof v === "string" && v.trim() !== "" && (!names || names.has(k)))
    .map(([k, v]) => [k, v.trim()]));
}

/** A name suggestion from the template's name: "Web app + PostgreSQL" becomes "web-app-postgresql". */
export function suggestName(templateName: string): string {
  const slug = templateName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").replace(/^[^a-z]+/, "");
  return slug.slice(0, 40).replace(/-+$/, "") || "app";
}
