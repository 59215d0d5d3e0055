import { describe, expect, it } from "vitest";
import { deploySchema, reconfigureDefaults, reconfigureSchema, suggestName, valuesToSend } from "./deployForm";

const settings = [
  { name: "PASSWORD", default: null, required: true, secret: true, description: null, services: ["db"] },
  { name: "USER", default: "app", required: true, secret: false, description: null, services: ["db"] },
  { name: "TITLE", default: null, required: false, secret: false, description: null, services: ["web"] },
];

describe("the deploy form's rules", () => {
  it("accepts a valid name and a filled required setting", () => {
    const result = deploySchema(settings).safeParse({ name: "shop", values: { PASSWORD: "s3cret", USER: "", TITLE: "" } });
    expect(result.success).toBe(true);
  });

  it("requires a required setting without a default, but not one with a default", () => {
    const result = deploySchema(settings).safeParse({ name: "shop", values: { PASSWORD: "  ", USER: "", TITLE: "" } });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(["values.PASSWORD"]);
    expect(result.error!.issues[0]!.message).toBe("PASSWORD is required.");
  });

  it.each(["Shop", "1shop", "shop-", "sh_op", "a".repeat(41), ""])("refuses the name %j as the server would", (name) => {
    const result = deploySchema([]).safeParse({ name, values: {} });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(["name"]);
  });

  it("sends only what was typed, trimmed, so that empty fields keep the template's defaults", () => {
    expect(valuesToSend({ values: { PASSWORD: " pw ", USER: "", TITLE: "   " } })).toEqual({ PASSWORD: "pw" });
  });

  it("suggests a valid name from the template's name", () => {
    expect(suggestName("Web app + PostgreSQL")).toBe("web-app-postgresql");
    expect(suggestName("3D printer")).toBe("d-printer");
    expect(suggestName("+++")).toBe("app");
    for (const name of ["Web app + PostgreSQL", "3D printer", "+++", "A".repeat(80)])
      expect(deploySchema([]).safeParse({ name: suggestName(name), values: {} }).success).toBe(true);
  });
});

describe("the settings form of a running deployment", () => {
  it("lets a required secret that is already set stay empty, but not one that is not", () => {
    expect(reconfigureSchema(settings, ["PASSWORD"]).safeParse({ values: { PASSWORD: "", USER: "", TITLE: "" } }).success).toBe(true);
    const result = reconfigureSchema(settings, []).safeParse({ values: { PASSWORD: "", USER: "", TITLE: "" } });
    expect(result.error!.issues.map((i) => i.path.join("."))).toEqual(["values.PASSWORD"]);
  });

  it("starts from the stored plain values and never from a secret", () => {
    expect(reconfigureDefaults(settings, { USER: "shop", PASSWORD: "leaked?" })).toEqual({ PASSWORD: "", USER: "shop", TITLE: "" });
  });
});
