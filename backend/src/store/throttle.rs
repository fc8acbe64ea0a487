//! The `throttle` table: request counters per key in fixed windows, shared by every instance
//! that uses the database.

use anyhow::Context;
use sqlx::Row;

use super::statement::Write;
use super::Store;

/// Counts one hit in one statement: a window that has ended starts again at `now` with this hit.
const HIT: Write = Write::new(
    "INSERT INTO gatehouse_throttle (key, window_start, hits) VALUES ($1, $2, 1) \
     ON CONFLICT (key) DO UPDATE SET \
     hits = CASE WHEN gatehouse_throttle.window_start <= $3 THEN 1 ELSE gatehouse_throttle.hits + 1 END, \
     window_start = CASE WHEN gatehouse_throttle.window_start <= $3 THEN $2 ELSE gatehouse_throttle.window_start END \
     RETURNING hits, window_start",
);
/// Gives back one hit of the window that started at `$2`, if it is still the current one.
const REFUND: Write =
    Write::new("UPDATE gatehouse_throttle SET hits = hits - 1 WHERE key = $1 AND window_start = $2 AND hits > 0");
const PURGE: Write = Write::new("DELETE FROM gatehouse_throttle WHERE window_start <= $1");

/// The state of one key's current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub hits: i64,
    /// Unix seconds.
    pub start: i64,
}

impl Store {
    /// Counts a hit on `key` in a window of `period` seconds and returns the window after it.
    pub async fn throttle_hit(&self, key: &str, now: i64, period: i64) -> anyhow::Result<Window> {
        let turn = self.write_turn().await;
        let row = turn.query(HIT).bind(key).bind(now).bind(now - period).fetch_one(&self.pool).await;
        window_of(&row.context("Failed to count a throttled request")?)
    }

    /// Takes back a hit counted in the window that started at `window_start`.
    pub async fn throttle_refund(&self, key: &str, window_start: i64) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        let done = turn.query(REFUND).bind(key).bind(window_start).execute(&self.pool).await;
        done.context("Failed to refund a throttled request")?;
        Ok(())
    }

    /// Forgets windows that started before `before`.
    pub async fn purge_throttle(&self, before: i64) -> anyhow::Result<u64> {
        let turn = self.write_turn().await;
        let done = turn.query(PURGE).bind(before).execute(&self.pool).await;
        Ok(done.context("Failed to purge throttle counters")?.rows_affected())
    }
}

fn window_of(row: &sqlx::any::AnyRow) -> anyhow::Result<Window> {
    Ok(Window { hits: row.try_get("hits")?, start: row.try_get("window_start")? })
}
