//! Renders the OpenAPI document as Markdown for `docs/api.md`, so the
//! written reference is generated from the code and cannot drift (a test
//! compares the committed file with this output).

use std::fmt::Write;

use serde_json::Value;
use utoipa::OpenApi;

use super::docs::ApiDoc;

/// The whole API reference as Markdown.
pub fn markdown() -> String {
    let spec = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    let mut out = String::new();
    let _ = writeln!(out, "# API reference\n");
    let _ = writeln!(
        out,
        "Generated from the OpenAPI document (`switchboard openapi --markdown > docs/api.md`); the live document is \
         served at `/openapi.json` and rendered at `/docs`.\n\n\
         Every error is `{{\"error\": {{\"code\": \"...\", \"message\": \"...\"}}}}` with the matching status. \
         Authentication headers: `X-Api-Key` (tenant API key), `X-Owner-Token` (the tenant's owner), \
         `X-Admin-Api-Key` (the operator).\n"
    );
    let tags = spec["tags"].as_array().cloned().unwrap_or_default();
    for tag in tags {
        let name = tag["name"].as_str().unwrap_or("");
        let _ = writeln!(out, "## {name}\n\n{}\n", tag["description"].as_str().unwrap_or(""));
        let Some(paths) = spec["paths"].as_object() else { continue };
        for (path, item) in paths {
            let Some(ops) = item.as_object() else { continue };
            for (method, op) in ops {
                if op["tags"][0].as_str() != Some(name) {
                    continue;
                }
                operation(&mut out, path, method, op);
            }
        }
    }
    out
}

fn operation(out: &mut String, path: &str, method: &str, op: &Value) {
    let _ = writeln!(out, "### `{} {path}`\n", method.to_uppercase());
    if let Some(summary) = op["summary"].as_str() {
        let _ = writeln!(out, "{summary}");
    }
    if let Some(desc) = op["description"].as_str() {
        let _ = writeln!(out, "{desc}");
    }
    let auth: Vec<String> = op["security"]
        .as_array()
        .map(|s| s.iter().filter_map(|r| r.as_object()?.keys().next().cloned()).collect())
        .unwrap_or_default();
    let _ = writeln!(out, "\nAuth: {}\n", if auth.is_empty() { "none".to_string() } else { auth.join(", ") });
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        let _ = writeln!(out, "| parameter | in | type | description |\n|---|---|---|---|");
        for p in params {
            let _ = writeln!(
                out,
                "| `{}`{} | {} | {} | {} |",
                p["name"].as_str().unwrap_or(""),
                if p["required"].as_bool() == Some(true) { " (required)" } else { "" },
                p["in"].as_str().unwrap_or(""),
                type_name(&p["schema"]),
                p["description"].as_str().unwrap_or("").replace('\n', " ")
            );
        }
        let _ = writeln!(out);
    }
    if let Some(schema) = op["requestBody"]["content"]["application/json"]["schema"].as_object() {
        let _ = writeln!(out, "Request body: {}\n", type_name(&Value::Object(schema.clone())));
    }
    if let Some(responses) = op["responses"].as_object() {
        let _ = writeln!(out, "| status | body |\n|---|---|");
        for (status, r) in responses {
            let body = r["content"]["application/json"]["schema"].clone();
            let shown = if body.is_null() { "-".to_string() } else { type_name(&body) };
            let _ = writeln!(out, "| {status} | {shown} |");
        }
        let _ = writeln!(out);
    }
}

/// A short type description: `Customer`, `array of Customer`, `string (date-time)`.
fn type_name(schema: &Value) -> String {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("`{name}`");
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(parts) = schema[key].as_array() {
            let names: Vec<String> =
                parts.iter().filter(|p| p["type"].as_str() != Some("null")).map(type_name).collect();
            return names.join(" or ");
        }
    }
    let ty = match &schema["type"] {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("any").to_string(),
        _ => "object".to_string(),
    };
    match (ty.as_str(), schema["format"].as_str()) {
        ("array", _) => format!("array of {}", type_name(&schema["items"])),
        (t, Some(f)) => format!("{t} ({f})"),
        (t, None) => t.to_string(),
    }
}
