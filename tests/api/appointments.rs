use reqwest::Method;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, at};

on_both_backends!(
    booking_and_overlaps,
    listing_updating_and_cancelling,
    schedule_of_a_local_day,
    concurrent_bookings_cannot_double_book
);

async fn booking_and_overlaps(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.create_tenant("Booking Plumbing", None).await;
    let customer = app.create_customer(&t, "Bo Oker", "+15125550300").await;
    let cid = customer["id"].as_str().unwrap();

    let book = |start: String, end: String| {
        json!({ "customer_id": cid, "starts_at": start, "ends_at": end, "service_key": "water_heater",
                "description": "No hot water", "estimated_value": 1800 })
    };
    let (status, a) =
        app.call(Method::POST, "/v1/crm/appointments", &t.api_key, Some(book(at(3, 15), at(3, 17)))).await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["status"], "scheduled");
    assert_eq!(a["source"], "api");

    let (status, clash) =
        app.call(Method::POST, "/v1/crm/appointments", &t.api_key, Some(book(at(3, 16), at(3, 18)))).await;
    assert_eq!(status, 409, "overlap: {clash}");
    assert!(clash["error"]["message"].as_str().unwrap().contains(a["id"].as_str().unwrap()));

    let (status, _) =
        app.call(Method::POST, "/v1/crm/appointments", &t.api_key, Some(book(at(3, 17), at(3, 18)))).await;
    assert_eq!(status, 201, "back-to-back is not an overlap");

    let (status, bad) = app
        .call(
            Method::POST,
            "/v1/crm/appointments",
            &t.api_key,
            Some(json!({
                "customer_id": cid, "starts_at": at(4, 15), "ends_at": at(4, 14), "service_key": "jacuzzi"
            })),
        )
        .await;
    assert_eq!(status, 422);
    let msg = bad["error"]["message"].as_str().unwrap();
    assert!(msg.contains("ends_at") && msg.contains("service_key"), "{msg}");

    let (status, _) = app
        .call(Method::POST, "/v1/crm/appointments", &t.api_key, Some(json!({
            "customer_id": "no-such-customer", "starts_at": at(5, 15), "ends_at": at(5, 16), "service_key": "general"
        })))
        .await;
    assert_eq!(status, 422, "unknown customer");
}

async fn listing_updating_and_cancelling(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.create_tenant("Listing Plumbing", None).await;
    let c = app.create_customer(&t, "Li Sting", "+15125550301").await;
    let cid = c["id"].as_str().unwrap();
    let mut ids = Vec::new();
    for day in [2, 3, 9] {
        let (status, a) = app
            .call(
                Method::POST,
                "/v1/crm/appointments",
                &t.api_key,
                Some(json!({
                    "customer_id": cid, "starts_at": at(day, 15), "ends_at": at(day, 16), "service_key": "general"
                })),
            )
            .await;
        assert_eq!(status, 201, "{a}");
        ids.push(a["id"].as_str().unwrap().to_string());
    }
    let path = format!("/v1/crm/appointments?from={}&to={}", at(1, 0), at(5, 0));
    let (_, week) = app.call(Method::GET, &path, &t.api_key, None).await;
    assert_eq!(week["total"], 2, "{week}");
    assert_eq!(week["items"][0]["id"], ids[0].as_str(), "start order");

    let (status, moved) = app
        .call(
            Method::PATCH,
            &format!("/v1/crm/appointments/{}", ids[0]),
            &t.api_key,
            Some(json!({
                "starts_at": at(3, 15), "ends_at": at(3, 16)
            })),
        )
        .await;
    assert_eq!(status, 409, "moving onto another job: {moved}");

    let (status, cancelled) =
        app.call(Method::POST, &format!("/v1/crm/appointments/{}/cancel", ids[1]), &t.api_key, None).await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["status"], "cancelled");

    let (status, moved) = app
        .call(
            Method::PATCH,
            &format!("/v1/crm/appointments/{}", ids[0]),
            &t.api_key,
            Some(json!({
                "starts_at": at(3, 15), "ends_at": at(3, 16), "status": "confirmed"
            })),
        )
        .await;
    assert_eq!(status, 200, "the cancelled slot is free again: {moved}");
    assert_eq!(moved["status"], "confirmed");

    let (_, cancelled_only) = app.call(Method::GET, "/v1/crm/appointments?status=cancelled", &t.api_key, None).await;
    assert_eq!(cancelled_only["total"], 1);
    let (status, _) = app.call(Method::GET, "/v1/crm/appointments?status=maybe", &t.api_key, None).await;
    assert_eq!(status, 400);

    let (_, timeline) = app.call(Method::GET, &format!("/v1/crm/customers/{cid}/timeline"), &t.api_key, None).await;
    assert_eq!(timeline["appointments"].as_array().unwrap().len(), 3);
}

async fn schedule_of_a_local_day(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.create_tenant("Schedule Plumbing", None).await;
    let c = app.create_customer(&t, "Sched Ule", "+15125550302").await;
    // 2026-03-09 is the first Monday after the US DST switch: 9:00 in Chicago is 14:00 UTC.
    for (start, end) in [
        ("2026-03-09T14:00:00Z", "2026-03-09T15:00:00Z"),
        ("2026-03-10T04:30:00Z", "2026-03-10T05:00:00Z"),
        ("2026-03-10T06:00:00Z", "2026-03-10T07:00:00Z"),
    ] {
        let (status, body) = app
            .call(
                Method::POST,
                "/v1/crm/appointments",
                &t.api_key,
                Some(json!({
                    "customer_id": c["id"], "starts_at": start, "ends_at": end, "service_key": "general"
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, day) = app.call(Method::GET, "/v1/crm/schedule?date=2026-03-09", &t.api_key, None).await;
    assert_eq!(status, 200, "{day}");
    assert_eq!(day["time_zone"], "America/Chicago");
    // 04:30Z on the 10th is 23:30 on the 9th in Chicago (CDT, UTC-5); 06:00Z is the 10th.
    assert_eq!(day["appointments"].as_array().unwrap().len(), 2, "{day}");
    let (status, _) = app.call(Method::GET, "/v1/crm/schedule?date=someday", &t.api_key, None).await;
    assert_eq!(status, 400);
    let (status, tomorrow) = app.call(Method::GET, "/v1/crm/schedule?date=tomorrow", &t.api_key, None).await;
    assert_eq!(status, 200);
    assert!(tomorrow["appointments"].as_array().unwrap().is_empty());
}

async fn concurrent_bookings_cannot_double_book(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = app.create_tenant("Race Plumbing", None).await;
    let c = app.create_customer(&t, "Ray Ce", "+15125550303").await;
    let body =
        json!({ "customer_id": c["id"], "starts_at": at(6, 15), "ends_at": at(6, 16), "service_key": "general" });
    let attempts = (0..6).map(|_| app.call(Method::POST, "/v1/crm/appointments", &t.api_key, Some(body.clone())));
    let results = futures_util::future::join_all(attempts).await;
    let created = results.iter().filter(|(s, _)| *s == 201).count();
    let conflicts = results.iter().filter(|(s, _)| *s == 409).count();
    assert_eq!((created, conflicts), (1, 5), "{results:?}");
}
