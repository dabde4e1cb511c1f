//! Call recording settings, serving and retention, on both databases. The
//! files are real Ogg Opus; the call pipeline that writes them is covered by
//! `tests/call_recording.rs`.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use switchboard::speech::ogg_opus::{OggOpusWriter, decode};
use switchboard::store::recordings::{self, RecordingColumns};
use switchboard::store::{calls, events};
use switchboard::telephony::recordings::purge_expired;

use crate::on_both_backends;
use crate::support::{ADMIN_KEY, Backend, TestApp, TestTenant};

on_both_backends!(recording_settings_default_off_and_are_validated, recordings_are_served_to_their_tenant_and_expire);

async fn owner_patch(app: &TestApp, t: &TestTenant, body: Value) -> (u16, Value) {
    let res = app
        .client
        .patch(app.url("/v1/owner/business"))
        .header("x-owner-token", &t.owner_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn recording_settings_default_off_and_are_validated(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.create_tenant("Quiet Plumbing", None).await;
    let (_, b) = owner_patch(&app, &t, json!({})).await;
    assert_eq!(b["recording_enabled"], false, "recording is off by default");
    assert_eq!(b["recording_retention_days"], 30);

    for days in [0, 3651, -1] {
        let (status, err) =
            owner_patch(&app, &t, json!({ "recording_enabled": true, "recording_retention_days": days })).await;
        assert_eq!(status, 422, "{days}: {err}");
        assert!(err["error"]["message"].as_str().unwrap().contains("recording_retention_days"), "{err}");
    }
    let (_, b) = owner_patch(&app, &t, json!({})).await;
    assert_eq!(b["recording_enabled"], false, "a refused patch writes nothing");

    let (status, b) = owner_patch(&app, &t, json!({ "recording_enabled": true, "recording_retention_days": 7 })).await;
    assert_eq!(status, 200, "{b}");
    assert_eq!((b["recording_enabled"].clone(), b["recording_retention_days"].clone()), (json!(true), json!(7)));
    let db = &app.state.db;
    assert_eq!(
        events::count_audit(db, &t.id, "business.update").await.unwrap(),
        3,
        "every accepted owner patch is audited"
    );

    // The operator can change it too, within the same bounds.
    let admin = |body: Value| {
        app.client
            .patch(app.url(&format!("/v1/admin/businesses/{}", t.id)))
            .header("x-admin-api-key", ADMIN_KEY)
            .json(&body)
            .send()
    };
    assert_eq!(admin(json!({ "recording_retention_days": 4000 })).await.unwrap().status(), 422);
    let res = admin(json!({ "recording_enabled": false, "recording_retention_days": 365 })).await.unwrap();
    assert_eq!(res.status(), 200);
    let b: Value = res.json().await.unwrap();
    assert_eq!((b["recording_enabled"].clone(), b["recording_retention_days"].clone()), (json!(false), json!(365)));
}

/// A 2-second two-channel Ogg Opus file.
fn opus_file() -> Vec<u8> {
    let mut w = OggOpusWriter::new(Vec::new(), 2, 16_000).unwrap();
    let pcm: Vec<i16> = (0..16_000).flat_map(|i| [((i % 40) * 300 - 6000) as i16, 0]).collect();
    w.write(&pcm).unwrap();
    w.finish().unwrap()
}

async fn recordings_are_served_to_their_tenant_and_expire(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::start_with(backend, &[("RECORDINGS_DIR", dir.path().to_str().unwrap())]).await;
    let a = app.create_tenant("Acme Plumbing", Some("+15550002001")).await;
    let b = app.create_tenant("Bolt Electric", Some("+15550002002")).await;
    let db = &app.state.db;
    let now = Utc::now();
    let bytes = opus_file();

    // Two recorded calls of tenant A: one fresh, one past its retention.
    let mut ids = Vec::new();
    for (n, expires_at) in [(1, now + Duration::days(30)), (2, now - Duration::hours(1))] {
        let call = calls::open(db, &a.id, &format!("CA-rec-{n}"), "+15557654321", "+15550002001").await.unwrap();
        let relative = format!("{}/{}.opus", a.id, call.id);
        std::fs::create_dir_all(dir.path().join(&a.id)).unwrap();
        std::fs::write(dir.path().join(&relative), &bytes).unwrap();
        let columns = RecordingColumns { path: &relative, duration_ms: 2000, bytes: bytes.len() as i64, expires_at };
        recordings::attach(db, &a.id, &call.id, &columns).await.unwrap();
        ids.push(call.id);
    }
    let (fresh, expired) = (&ids[0], &ids[1]);
    // And a call that was not recorded.
    let plain = calls::open(db, &a.id, "CA-rec-3", "+15557654321", "+15550002001").await.unwrap();

    let (status, call) = app.call(Method::GET, &format!("/v1/crm/calls/{fresh}"), &a.api_key, None).await;
    assert_eq!(status, 200, "{call}");
    assert_eq!(call["recording"]["url"], format!("/v1/crm/calls/{fresh}/recording"));
    assert_eq!(call["recording"]["duration_ms"], 2000);
    assert!(call.get("recording_path").is_none(), "the server's file path is never shown: {call}");
    let (_, call) = app.call(Method::GET, &format!("/v1/crm/calls/{expired}"), &a.api_key, None).await;
    assert_eq!(call["recording"], Value::Null, "an expired recording is not offered");
    let (_, list) = app.call(Method::GET, "/v1/crm/calls", &a.api_key, None).await;
    let linked = list.as_array().unwrap().iter().filter(|c| !c["recording"].is_null()).count();
    assert_eq!(linked, 1, "{list}");

    let get = |id: &str, header: &'static str, key: &str| {
        app.client.get(app.url(&format!("/v1/crm/calls/{id}/recording"))).header(header, key).send()
    };
    let res = get(fresh, "x-api-key", &a.api_key).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "audio/ogg");
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let body = res.bytes().await.unwrap();
    assert_eq!(&body[..], &bytes[..]);
    assert_eq!(decode(&body).unwrap().duration_ms(), 2000);
    let res = get(fresh, "x-owner-token", &a.owner_token).await.unwrap();
    assert_eq!(res.status(), 200, "the owner may listen too");
    let res = app
        .client
        .get(app.url(&format!("/v1/crm/calls/{fresh}/recording")))
        .header("x-api-key", &a.api_key)
        .header("range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206, "players seek with Range");
    assert_eq!(&res.bytes().await.unwrap()[..], b"OggS");

    for (id, why) in [(fresh.as_str(), "another tenant's"), (expired.as_str(), "expired"), (plain.id.as_str(), "none")]
    {
        let key = if why == "another tenant's" { &b.api_key } else { &a.api_key };
        let res = get(id, "x-api-key", key).await.unwrap();
        assert_eq!(res.status(), 404, "{why}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "not_found", "{why}");
    }
    assert_eq!(get(fresh, "x-api-key", "sbk_wrong").await.unwrap().status(), 401);

    // Retention deletes the expired file, unlinks it, audits it; the fresh one stays.
    let report = purge_expired(db, dir.path(), Utc::now()).await.unwrap();
    assert_eq!((report.deleted, report.failed, report.tenants), (1, 0, 1));
    assert!(!dir.path().join(format!("{}/{expired}.opus", a.id)).exists());
    assert!(dir.path().join(format!("{}/{fresh}.opus", a.id)).exists());
    let gone = calls::get_by_sid(db, &a.id, "CA-rec-2").await.unwrap();
    assert_eq!((gone.recording_path, gone.recording_expires_at), (None, None));
    let kept = calls::get_by_sid(db, &a.id, "CA-rec-1").await.unwrap();
    assert!(kept.recording_path.is_some() && kept.recording.is_some());
    assert_eq!(events::count_audit(db, &a.id, "recordings.purge").await.unwrap(), 1);
    assert_eq!(purge_expired(db, dir.path(), Utc::now()).await.unwrap().deleted, 0, "nothing left to do");

    // A month later the other one goes too; a file already missing is no obstacle.
    std::fs::remove_file(dir.path().join(format!("{}/{fresh}.opus", a.id))).unwrap();
    let later = purge_expired(db, dir.path(), Utc::now() + Duration::days(31)).await.unwrap();
    assert_eq!(later.deleted, 1);
    assert!(calls::get_by_sid(db, &a.id, "CA-rec-1").await.unwrap().recording_path.is_none());
}
