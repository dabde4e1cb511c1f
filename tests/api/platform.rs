//! Cross-cutting behaviour: health, request ids, error shapes, limits, docs, metrics, migrations.

use serde_json::Value;
use switchboard::store::{Db, MIGRATIONS};

use crate::on_both_backends;
use crate::support::{ADMIN_KEY, Backend, TestApp, fresh_database_url};

on_both_backends!(health_and_readiness, migrations_apply_cleanly_and_idempotently);

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::start(backend).await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let ready: Value = app.client.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
    let expected = if backend == Backend::Sqlite { "sqlite" } else { "postgres" };
    assert_eq!(ready["database"], expected);
}

async fn migrations_apply_cleanly_and_idempotently(backend: Backend) {
    let (url, _dir) = fresh_database_url(backend).await;
    let db = Db::connect(&url).await.unwrap();
    let applied = db.migrate().await.unwrap();
    assert_eq!(applied.len(), MIGRATIONS.len(), "every migration applies to an empty database");
    assert!(db.migrate().await.unwrap().is_empty(), "second run is a no-op");
    // The schema is usable: the demo seed runs on it, twice.
    let first = switchboard::store::seed::seed_demo(&db).await.unwrap();
    let second = switchboard::store::seed::seed_demo(&db).await.unwrap();
    assert_eq!(first.business_id, second.business_id, "seeding twice keeps one demo tenant");
    assert_ne!(first.api_key, second.api_key, "credentials are re-issued");
    let (customers, total) =
        switchboard::store::customers::list(&db, &first.business_id, &Default::default()).await.unwrap();
    assert_eq!(total, 20, "{customers:?}");
    db.close().await;
}

#[tokio::test]
async fn request_ids_are_honoured_or_generated() {
    let app = TestApp::start(Backend::Sqlite).await;
    let res = app.client.get(app.url("/healthz")).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"].to_str().unwrap().len(), 36, "a UUID is generated");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let app = TestApp::start(Backend::Sqlite).await;
    let res = app.client.get(app.url("/v1/nothing-here")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let res = app.client.put(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn oversized_bodies_are_refused_and_nothing_is_written() {
    let app = TestApp::start(Backend::Sqlite).await;
    let t = app.create_tenant("Big Body Plumbing", None).await;
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(70_000));
    let res = app
        .client
        .post(app.url("/v1/crm/customers"))
        .header("x-api-key", &t.api_key)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    let (_, list) = app.call(reqwest::Method::GET, "/v1/crm/customers", &t.api_key, None).await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn openapi_document_and_docs_page_are_served() {
    let app = TestApp::start(Backend::Sqlite).await;
    let spec: Value = app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/v1/crm/customers", "/v1/crm/appointments/{id}/cancel", "/v1/owner/business", "/v1/admin/businesses"]
    {
        assert!(spec["paths"].get(path).is_some(), "missing {path}");
    }
    assert!(spec["components"]["securitySchemes"].get("api_key").is_some());
    let page = app.client.get(app.url("/docs")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("/openapi.json") && !page.contains("https://"), "offline page, no external assets");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_need_the_admin_key() {
    let app = TestApp::start(Backend::Sqlite).await;
    app.client.get(app.url("/healthz")).send().await.unwrap();
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let text = app
        .client
        .get(app.url("/metrics"))
        .header("x-admin-api-key", ADMIN_KEY)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("switchboard_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(text.contains("switchboard_http_request_duration_seconds_bucket"), "{text}");
}

#[test]
fn committed_api_reference_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/api.md")).unwrap_or_default();
    assert!(
        committed == switchboard::http::reference::markdown(),
        "docs/api.md is stale: regenerate it with `switchboard openapi --markdown > docs/api.md`"
    );
}
