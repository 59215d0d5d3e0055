import { z } from "zod";
import type { Setting } from "../api/hooks";

export const namePattern = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The deploy form's rules, made from the template's settings: the name, and each setting (required ones without a default must be filled). */
export function deploySchema(settings: Setting[]) {
  const values: Record<string, z.ZodType<string>> = {};
  for (const s of settings) {
    const needed = s.required && !s.default;
    values[s.name] = needed
      ? z.string().trim().min(1, `${s.name} is required.`).max(4096, "At most 4096 characters.")
      : z.string().max(4096, "At most 4096 characters.");
  }
  return z.object({
    name: z
      .string()
      .trim()
      .min(1, "Give the deployment a name.")
      .max(40, "At most 40 characters.")
      .regex(namePattern, "Lower-case letters, digits and dashes; it starts with a letter and does not end with a dash."),
    values: z.object(values),
  });
}

export type DeployForm = { name: string; values: Record<string, string> };

/** The values to send: only what the user typed (an empty field keeps the template's default). */
export function valuesToSend(form: DeployForm): Record<string, string> {
  return Object.fromEntries(Object.entries(form.values).filter(([, v]) => v.trim() !== "").map(([k, v]) => [k, v.trim()]));
}

/** A name suggestion from the template's name: "Web app + PostgreSQL" becomes "web-app-postgresql". */
export function suggestName(templateName: string): string {
  const slug = templateName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").replace(/^[^a-z]+/, "");
  return slug.slice(0, 40).replace(/-+$/, "") || "app";
}
