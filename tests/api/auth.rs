use reqwest::Method;
use serde_json::json;
use switchboard::store::events;

use crate::on_both_backends;
use crate::support::{ADMIN_KEY, Backend, TestApp};

on_both_backends!(
    tenant_credentials,
    suspended_tenant_is_refused,
    rotation_revokes_old_credentials,
    admin_api_requires_the_admin_key,
    owner_routes_need_the_owner_token
);

async fn tenant_credentials(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.create_tenant("Auth Plumbing", None).await;

    let res = app.client.get(app.url("/v1/crm/customers")).send().await.unwrap();
    assert_eq!(res.status(), 401, "missing key");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");

    let (status, _) = app.call(Method::GET, "/v1/crm/customers", "sbk_not-a-real-key", None).await;
    assert_eq!(status, 401, "wrong key");
    let (status, _) = app.call(Method::GET, "/v1/crm/customers", &t.widget_token, None).await;
    assert_eq!(status, 401, "a widget token is not an API key");
    let (status, _) = app.call(Method::GET, "/v1/crm/customers", &t.api_key, None).await;
    assert_eq!(status, 200);

    let res =
        app.client.get(app.url("/v1/crm/customers")).header("x-owner-token", &t.owner_token).send().await.unwrap();
    assert_eq!(res.status(), 200, "the owner may use the CRM too");

    let failures = events::count_security(&app.state.db, "auth_failure").await.unwrap();
    assert_eq!(failures, 2, "each refusal is recorded as a security event");
    let metrics = app.client.get(app.url("/metrics")).header("x-admin-api-key", ADMIN_KEY).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    assert!(text.contains("switchboard_refused_requests_total{kind=\"auth_failure\"} 2"), "{text}");
}

async fn suspended_tenant_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.create_tenant("Suspended Plumbing", None).await;
    let res = app
        .client
        .patch(app.url(&format!("/v1/admin/businesses/{}", t.id)))
        .header("x-admin-api-key", ADMIN_KEY)
        .json(&json!({ "status": "suspended" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, body) = app.call(Method::GET, "/v1/crm/customers", &t.api_key, None).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");

    let res = app
        .client
        .patch(app.url(&format!("/v1/admin/businesses/{}", t.id)))
        .header("x-admin-api-key", ADMIN_KEY)
        .json(&json!({ "status": "active" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, _) = app.call(Method::GET, "/v1/crm/customers", &t.api_key, None).await;
    assert_eq!(status, 200, "reactivated");
}

async fn rotation_revokes_old_credentials(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.create_tenant("Rotating Plumbing", None).await;
    let res = app
        .client
        .post(app.url(&format!("/v1/admin/businesses/{}/rotate-credentials", t.id)))
        .header("x-admin-api-key", ADMIN_KEY)
        .json(&json!({ "kinds": ["api_key"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let issued: serde_json::Value = res.json().await.unwrap();
    let new_key = issued["api_key"].as_str().unwrap();
    assert!(issued.get("owner_token").is_none(), "only what was asked for");
    let (status, _) = app.call(Method::GET, "/v1/crm/customers", &t.api_key, None).await;
    assert_eq!(status, 401, "old key revoked");
    let (status, _) = app.call(Method::GET, "/v1/crm/customers", new_key, None).await;
    assert_eq!(status, 200);
    let res =
        app.client.get(app.url("/v1/owner/business")).header("x-owner-token", &t.owner_token).send().await.unwrap();
    assert_eq!(res.status(), 200, "other kinds untouched");

    let res = app
        .client
        .post(app.url(&format!("/v1/admin/businesses/{}/rotate-credentials", t.id)))
        .header("x-admin-api-key", ADMIN_KEY)
        .json(&json!({ "kinds": ["password"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

async fn admin_api_requires_the_admin_key(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.create_tenant("Admin Plumbing", Some("+15125550900")).await;
    for key in [None, Some("wrong"), Some(t.api_key.as_str())] {
        let mut req = app.client.get(app.url("/v1/admin/businesses"));
        if let Some(k) = key {
            req = req.header("x-admin-api-key", k);
        }
        assert_eq!(req.send().await.unwrap().status(), 401, "{key:?}");
    }
    let res = app.client.get(app.url("/v1/admin/businesses")).bearer_auth(ADMIN_KEY).send().await.unwrap();
    assert_eq!(res.status(), 200, "bearer form for scrapers");
    let list: serde_json::Value = res.json().await.unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["phone_number"], "+15125550900");

    let res = app
        .client
        .post(app.url("/v1/admin/businesses"))
        .header("x-admin-api-key", ADMIN_KEY)
        .json(&json!({ "name": "Clash", "phone_number": "+15125550900" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "a Twilio number belongs to one tenant");
    let res = app
        .client
        .post(app.url("/v1/admin/businesses"))
        .header("x-admin-api-key", ADMIN_KEY)
        .json(&json!({ "name": "Bad zone", "time_zone": "Mars/Olympus" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

async fn owner_routes_need_the_owner_token(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.create_tenant("Owner Plumbing", None).await;
    let (status, _) = app.call(Method::GET, "/v1/owner/business", &t.api_key, None).await;
    assert_eq!(status, 401, "an API key is not the owner");

    let patch = json!({
        "hours": { "mon": { "open": "07:00", "close": "15:00" }, "sat": { "open": "09:00", "close": "12:00" } },
        "closed_dates": ["2026-12-25"],
        "max_jobs_per_day": 5,
        "services": [{ "key": "drain", "name": "drain cleaning", "duration_minutes": 90, "price_min": 150, "price_max": 400 }],
        "warranty": "90 days on labor",
    });
    let res = app
        .client
        .patch(app.url("/v1/owner/business"))
        .header("x-owner-token", &t.owner_token)
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let b: serde_json::Value = res.json().await.unwrap();
    assert_eq!(b["hours"]["sat"]["open"], "09:00");
    assert!(b["hours"].get("tue").is_none(), "hours replaced as a whole");
    assert_eq!(b["max_jobs_per_day"], 5);
    assert_eq!(b["services"][0]["key"], "drain");

    let res = app
        .client
        .patch(app.url("/v1/owner/business"))
        .header("x-owner-token", &t.owner_token)
        .json(&json!({ "time_zone": "Nowhere/Land", "max_jobs_per_day": 0, "hours": { "mon": { "open": "18:00", "close": "08:00" } } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let err: serde_json::Value = res.json().await.unwrap();
    let msg = err["error"]["message"].as_str().unwrap();
    assert!(msg.contains("time_zone") && msg.contains("max_jobs_per_day") && msg.contains("hours"), "{msg}");
    let res =
        app.client.get(app.url("/v1/owner/business")).header("x-owner-token", &t.owner_token).send().await.unwrap();
    let b: serde_json::Value = res.json().await.unwrap();
    assert_eq!(b["time_zone"], "America/Chicago", "a refused patch writes nothing");
}
