import type { FieldErrors, FieldPath, FieldValues, UseFormRegister, UseFormSetError } from "react-hook-form";
import { ApiError } from "../api/client";
import type { Setting } from "../api/hooks";
import { Field, inputClass } from "../components/ui";

type WithValues = { values: Record<string, string> };

/**
 * One field per template setting, under the form's `values`. A secret is a password field; one that already has a
 * value says that leaving it empty keeps it.
 */
export function SettingFields<T extends WithValues>({ settings, register, errors, secretsSet = [], legendHidden }: {
  settings: Setting[];
  legendHidden?: boolean;
  register: UseFormRegister<T>;
  errors: FieldErrors<T>;
  secretsSet?: readonly string[];
}) {
  if (settings.length === 0) return null;
  const valueErrors = (errors as FieldErrors<WithValues>).values;
  return (
    <fieldset className="space-y-5">
      <legend className={legendHidden ? "sr-only" : "text-sm font-semibold text-slate-900"}>Settings</legend>
      {settings.map((s) => {
        const isSet = s.secret && secretsSet.includes(s.name);
        return (
          <Field
            key={s.name}
            label={`${s.name}${s.required && !s.default && !isSet ? " (required)" : ""}`}
            hint={[
              s.description,
              s.default ? `Default: ${s.default}` : null,
              isSet ? "Secret: set. Leave empty to keep it, or type a new value." : s.secret ? "Secret: stored encrypted, never shown again." : null,
            ].filter(Boolean).join(" · ") || undefined}
            error={valueErrors?.[s.name]?.message}
          >
            {(props) => (
              <input {...props} {...register(`values.${s.name}` as FieldPath<T>)} type={s.secret ? "password" : "text"}
                autoComplete={s.secret ? "new-password" : "off"} placeholder={isSet ? "••••••••" : (s.default ?? "")}
                className={`${inputClass} font-mono`} />
            )}
          </Field>
        );
      })}
    </fieldset>
  );
}

/**
 * Puts a refusal's field errors (`name`, `values.X`) beside their fields; returns whether any was placed, so that
 * the caller shows the message in a toast otherwise.
 */
export function placeFieldErrors<T extends FieldValues>(error: unknown, setError: UseFormSetError<T>, fields: readonly string[] = ["name"]): boolean {
  if (!(error instanceof ApiError)) return false;
  let placed = false;
  for (const [field, messages] of Object.entries(error.problem.errors ?? {})) {
    if (fields.includes(field) || field.startsWith("values.")) {
      setError(field as FieldPath<T>, { message: messages[0] });
      placed = true;
    }
  }
  return placed;
}
