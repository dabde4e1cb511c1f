//! Appointments: booking with overlap check, listing, changes, cancellation,
//! and a day's schedule in the tenant's local time.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::http::auth::Tenant;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Json, Path, Query};
use crate::http::page::Page;
use crate::store::appointments::{self, Appointment, AppointmentPatch, AppointmentQuery, NewAppointment};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/crm/appointments", get(list).post(create))
        .route("/v1/crm/appointments/{id}", get(show).patch(update))
        .route("/v1/crm/appointments/{id}/cancel", post(cancel))
        .route("/v1/crm/schedule", get(schedule))
}

/// Books an appointment; refuses one that overlaps another (409).
#[utoipa::path(post, path = "/v1/crm/appointments", tag = "crm", request_body = NewAppointment,
    security(("api_key" = [])),
    responses((status = 201, body = Appointment), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    tenant: Tenant,
    Json(new): Json<NewAppointment>,
) -> Result<(StatusCode, Json<Appointment>), ApiError> {
    let a = appointments::create(&s.db, tenant.id(), new).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Lists appointments in start order, by time range, status or customer.
#[utoipa::path(get, path = "/v1/crm/appointments", tag = "crm", params(AppointmentQuery),
    security(("api_key" = [])), responses((status = 200, body = Page<Appointment>)))]
pub async fn list(
    State(s): State<AppState>,
    tenant: Tenant,
    Query(q): Query<AppointmentQuery>,
) -> Result<Json<Page<Appointment>>, ApiError> {
    let (items, total) = appointments::list(&s.db, tenant.id(), &q).await?;
    Ok(Json(Page::new(items, total, q.limit, q.offset)))
}

#[utoipa::path(get, path = "/v1/crm/appointments/{id}", tag = "crm", params(("id" = String, Path, description = "Record id")), security(("api_key" = [])),
    responses((status = 200, body = Appointment), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(s): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<Appointment>, ApiError> {
    Ok(Json(appointments::get(&s.db, tenant.id(), &id).await.map_err(ApiError::not_found("appointment"))?))
}

/// Changes an appointment; moving it re-checks overlaps.
#[utoipa::path(patch, path = "/v1/crm/appointments/{id}", tag = "crm", params(("id" = String, Path, description = "Record id")), request_body = AppointmentPatch,
    security(("api_key" = [])),
    responses((status = 200, body = Appointment), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(patch): Json<AppointmentPatch>,
) -> Result<Json<Appointment>, ApiError> {
    Ok(Json(appointments::update(&s.db, tenant.id(), &id, patch).await.map_err(ApiError::not_found("appointment"))?))
}

/// Cancels an appointment (kept for the record, freed on the calendar).
#[utoipa::path(post, path = "/v1/crm/appointments/{id}/cancel", tag = "crm", params(("id" = String, Path, description = "Record id")), security(("api_key" = [])),
    responses((status = 200, body = Appointment), (status = 404, body = ErrorBody)))]
pub async fn cancel(
    State(s): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<Appointment>, ApiError> {
    Ok(Json(appointments::cancel(&s.db, tenant.id(), &id).await.map_err(ApiError::not_found("appointment"))?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScheduleQuery {
    /// `today`, `tomorrow` or `YYYY-MM-DD`, in the business's time zone. Default `today`.
    pub date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Schedule {
    /// The local date shown.
    #[schema(value_type = String, example = "2026-11-24")]
    pub date: NaiveDate,
    pub time_zone: String,
    /// Appointments starting that local day (cancelled ones excluded), in order.
    pub appointments: Vec<Appointment>,
}

/// One local day of the calendar (e.g. tomorrow's jobs).
#[utoipa::path(get, path = "/v1/crm/schedule", tag = "crm", params(ScheduleQuery), security(("api_key" = [])),
    responses((status = 200, body = Schedule), (status = 400, body = ErrorBody)))]
pub async fn schedule(
    State(s): State<AppState>,
    tenant: Tenant,
    Query(q): Query<ScheduleQuery>,
) -> Result<Json<Schedule>, ApiError> {
    let profile = tenant.business.profile()?;
    let tz = profile.time_zone;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let date = match q.date.as_deref().map(str::trim) {
        None | Some("today") => today,
        Some("tomorrow") => today + Duration::days(1),
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| ApiError::BadRequest(format!("date: {raw:?} is not today, tomorrow or YYYY-MM-DD")))?,
    };
    let local_midnight = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| ApiError::BadRequest(format!("{d} has no local midnight")))
    };
    let from = local_midnight(date)?;
    let to = local_midnight(date + Duration::days(1))?;
    let q = AppointmentQuery { from: Some(from), to: Some(to), limit: Some(200), ..Default::default() };
    let (items, _) = appointments::list(&s.db, tenant.id(), &q).await?;
    let appointments = items.into_iter().filter(|a| a.status.blocks_calendar()).collect();
    Ok(Json(Schedule { date, time_zone: tz.name().to_string(), appointments }))
}
