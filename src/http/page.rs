//! The envelope of every list response.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many records match the filters in all.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: i64, limit: Option<i64>, offset: Option<i64>) -> Self {
        let (limit, offset) = crate::store::paging(limit, offset);
        Page { items, total, limit, offset }
    }
}
