use reqwest::Method;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, TestApp};

on_both_backends!(customer_crud, customer_validation, customer_search_and_paging);

async fn customer_crud(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.create_tenant("Crud Plumbing", None).await;
    let key = &t.api_key;

    let (status, created) = app
        .call(
            Method::POST,
            "/v1/crm/customers",
            key,
            Some(json!({
                "name": "  Ann Lee ", "phone": "(512) 555-0142", "email": "ann@example.com",
                "address": "1 Main St", "tags": ["vip"]
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["name"], "Ann Lee");
    assert_eq!(created["phone"], "+15125550142");
    let id = created["id"].as_str().unwrap();

    let (status, got) = app.call(Method::GET, &format!("/v1/crm/customers/{id}"), key, None).await;
    assert_eq!(status, 200);
    assert_eq!(got["email"], "ann@example.com");
    assert_eq!(got["tags"], json!(["vip"]));

    let (status, patched) = app
        .call(
            Method::PATCH,
            &format!("/v1/crm/customers/{id}"),
            key,
            Some(json!({"email": null, "address": "2 Oak Ave"})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["email"], serde_json::Value::Null);
    assert_eq!(patched["address"], "2 Oak Ave");
    assert_eq!(patched["phone"], "+15125550142", "untouched fields stay");

    let (status, dup) =
        app.call(Method::POST, "/v1/crm/customers", key, Some(json!({"name": "Other", "phone": "512-555-0142"}))).await;
    assert_eq!(status, 409, "same phone twice: {dup}");
    assert_eq!(dup["error"]["code"], "conflict");

    let (status, timeline) = app.call(Method::GET, &format!("/v1/crm/customers/{id}/timeline"), key, None).await;
    assert_eq!(status, 200);
    assert_eq!(timeline["customer"]["id"], id);
    assert_eq!(timeline["appointments"], json!([]));

    let (status, _) = app.call(Method::DELETE, &format!("/v1/crm/customers/{id}"), key, None).await;
    assert_eq!(status, 204);
    let (status, gone) = app.call(Method::GET, &format!("/v1/crm/customers/{id}"), key, None).await;
    assert_eq!(status, 404);
    assert_eq!(gone["error"]["code"], "not_found");
    let (status, _) = app.call(Method::DELETE, &format!("/v1/crm/customers/{id}"), key, None).await;
    assert_eq!(status, 404, "deleting twice");
}

async fn customer_validation(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.create_tenant("Validation Plumbing", None).await;
    let key = &t.api_key;

    let (status, body) =
        app.call(Method::POST, "/v1/crm/customers", key, Some(json!({"name": "A", "favourite": 1}))).await;
    assert_eq!(status, 422, "unknown field: {body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("favourite"));

    let (status, body) = app
        .call(Method::POST, "/v1/crm/customers", key, Some(json!({"name": "", "phone": "call me", "email": "nope"})))
        .await;
    assert_eq!(status, 422);
    let msg = body["error"]["message"].as_str().unwrap();
    for field in ["name", "phone", "email"] {
        assert!(msg.contains(field), "all problems reported at once, missing {field}: {msg}");
    }

    let res = app
        .client
        .post(app.url("/v1/crm/customers"))
        .header("x-api-key", key)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "malformed JSON");
    let res =
        app.client.post(app.url("/v1/crm/customers")).header("x-api-key", key).body("name=x").send().await.unwrap();
    assert_eq!(res.status(), 415, "wrong content type");

    let (status, _) = app.call(Method::GET, "/v1/crm/customers?limit=abc", key, None).await;
    assert_eq!(status, 400, "bad query parameter");
    let (status, _) = app.call(Method::GET, "/v1/crm/customers?colour=red", key, None).await;
    assert_eq!(status, 400, "unknown query parameter");

    let (_, list) = app.call(Method::GET, "/v1/crm/customers", key, None).await;
    assert_eq!(list["total"], 0, "nothing was written by refused requests");
}

async fn customer_search_and_paging(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.create_tenant("Search Plumbing", None).await;
    for i in 0..7 {
        app.create_customer(&t, &format!("Person {i}"), &format!("+1512555{:04}", 100 + i)).await;
    }
    app.create_customer(&t, "Zoë 100% O'Brien", "+15125559999").await;

    let (_, page) = app.call(Method::GET, "/v1/crm/customers?limit=3&offset=0", &t.api_key, None).await;
    assert_eq!(page["total"], 8);
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    assert_eq!(page["items"][0]["name"], "Zoë 100% O'Brien", "newest first");
    let (_, last) = app.call(Method::GET, "/v1/crm/customers?limit=3&offset=6", &t.api_key, None).await;
    assert_eq!(last["items"].as_array().unwrap().len(), 2);

    let (_, found) = app.call(Method::GET, "/v1/crm/customers?q=person%203", &t.api_key, None).await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["name"], "Person 3");
    let (_, by_phone) = app.call(Method::GET, "/v1/crm/customers?q=5550104", &t.api_key, None).await;
    assert_eq!(by_phone["items"][0]["name"], "Person 4");
    let (_, literal) = app.call(Method::GET, "/v1/crm/customers?q=100%25", &t.api_key, None).await;
    assert_eq!(literal["total"], 1, "% is matched literally, not as a wildcard: {literal}");
}
