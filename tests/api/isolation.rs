//! Tenant B's credentials against every tenant-A resource: 404 (or 422 for a
//! foreign reference), never data, never a change.

use reqwest::Method;
use serde_json::{Value, json};
use switchboard::store::conversations::{self, ConversationChannel, Speaker};

use crate::on_both_backends;
use crate::support::{Backend, TestApp, at};

on_both_backends!(cross_tenant_matrix);

async fn cross_tenant_matrix(backend: Backend) {
    let app = TestApp::start(backend).await;
    let a = app.create_tenant("Tenant A Plumbing", Some("+15125550701")).await;
    let b = app.create_tenant("Tenant B Heating", Some("+15125550702")).await;

    let customer = app.create_customer(&a, "Alice of A", "+15125550711").await;
    let cid = customer["id"].as_str().unwrap().to_string();
    let (status, appt) = app
        .call(
            Method::POST,
            "/v1/crm/appointments",
            &a.api_key,
            Some(json!({
                "customer_id": cid, "starts_at": at(2, 15), "ends_at": at(2, 16), "service_key": "general"
            })),
        )
        .await;
    assert_eq!(status, 201);
    let aid = appt["id"].as_str().unwrap().to_string();
    let convo = conversations::start(&app.state.db, &a.id, ConversationChannel::Sms, Some(&cid), Some("+15125550711"))
        .await
        .unwrap();
    conversations::append(&app.state.db, &a.id, &convo.id, Speaker::Caller, "secret of A", switchboard::store::now())
        .await
        .unwrap();
    let vid = convo.id.clone();
    let call = switchboard::store::calls::open(&app.state.db, &a.id, "CA-isolation", "+15125550711", "+15125550701")
        .await
        .unwrap();
    let kid = call.id.clone();
    switchboard::store::callbacks::enqueue(
        &app.state.db,
        &a.id,
        switchboard::store::callbacks::NewCallback {
            phone: "+15125550711".into(),
            customer_id: Some(cid.clone()),
            conversation_id: None,
            reason: switchboard::store::callbacks::CallbackReason::MissedCall,
            note: None,
        },
    )
    .await
    .unwrap();

    let matrix: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/v1/crm/customers/{cid}"), None),
        (Method::PATCH, format!("/v1/crm/customers/{cid}"), Some(json!({"name": "pwned"}))),
        (Method::DELETE, format!("/v1/crm/customers/{cid}"), None),
        (Method::GET, format!("/v1/crm/customers/{cid}/timeline"), None),
        (Method::GET, format!("/v1/crm/appointments/{aid}"), None),
        (Method::PATCH, format!("/v1/crm/appointments/{aid}"), Some(json!({"description": "pwned"}))),
        (Method::POST, format!("/v1/crm/appointments/{aid}/cancel"), None),
        (Method::GET, format!("/v1/crm/conversations/{vid}"), None),
        (Method::GET, format!("/v1/crm/calls/{kid}"), None),
    ];
    for (method, path, body) in &matrix {
        let (status, resp) = app.call(method.clone(), path, &b.api_key, body.clone()).await;
        assert_eq!(status, 404, "{method} {path} with tenant B's key: {resp}");
        let text = resp.to_string();
        assert!(!text.contains("Alice") && !text.contains("secret of A"), "leak on {method} {path}: {text}");
        let res = app.client.request(method.clone(), app.url(path)).header("x-owner-token", &b.owner_token);
        let res = match body {
            Some(b) => res.json(b),
            None => res,
        };
        assert_eq!(res.send().await.unwrap().status(), 404, "{method} {path} with tenant B's owner token");
    }

    let (status, resp) = app
        .call(
            Method::POST,
            "/v1/crm/appointments",
            &b.api_key,
            Some(json!({
                "customer_id": cid, "starts_at": at(3, 15), "ends_at": at(3, 16), "service_key": "general"
            })),
        )
        .await;
    assert_eq!(status, 422, "booking tenant A's customer from tenant B: {resp}");

    for path in [
        "/v1/crm/customers".to_string(),
        "/v1/crm/customers?q=Alice".to_string(),
        format!("/v1/crm/appointments?customer_id={cid}"),
        format!("/v1/crm/conversations?customer_id={cid}"),
        "/v1/crm/appointments".to_string(),
        "/v1/crm/conversations".to_string(),
    ] {
        let (status, page) = app.call(Method::GET, &path, &b.api_key, None).await;
        assert_eq!(status, 200);
        assert_eq!(page["total"], 0, "{path} shows tenant A's data to B: {page}");
    }
    let res =
        app.client.get(app.url("/v1/owner/business")).header("x-owner-token", &b.owner_token).send().await.unwrap();
    let own: Value = res.json().await.unwrap();
    assert_eq!(own["id"], b.id.as_str(), "the owner endpoint is self-scoped");

    // Tenant A's records are untouched.
    let (_, c) = app.call(Method::GET, &format!("/v1/crm/customers/{cid}"), &a.api_key, None).await;
    assert_eq!(c["name"], "Alice of A");
    let (_, ap) = app.call(Method::GET, &format!("/v1/crm/appointments/{aid}"), &a.api_key, None).await;
    assert_eq!(ap["status"], "scheduled");
    assert_eq!(ap["description"], "");
    let (_, v) = app.call(Method::GET, &format!("/v1/crm/conversations/{vid}"), &a.api_key, None).await;
    assert_eq!(v["messages"][0]["text"], "secret of A");
}
