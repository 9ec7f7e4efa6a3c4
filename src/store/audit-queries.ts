/*
 * The audit report's two queries, written once for both backends (SQLite and PostgreSQL read the same SQL here;
 * only their placeholders differ). Window functions count over every matching row before LIMIT, so one query gives
 * both the page and the totals; a NULL (PostgreSQL) or negative (SQLite) LIMIT means no limit.
 */

/** Every event but refusals since `since`, newest first, each row with `total`: how many match in all. */
export function auditActionsSql(since: string, limit: string): string {
  return `SELECT *, COUNT(*) OVER () AS total FROM audit_events
    WHERE at >= ${since} AND action <> 'denied' ORDER BY at DESC, id DESC LIMIT ${limit}`;
}

/**
 * Refusals since `since`, one row per person (count, first_at, last_at, last_outcome), the most recently refused
 * first, each row with total_people and total_refusals over everyone refused since then.
 */
export function auditRefusalsSql(since: string, limit: string): string {
  return `SELECT user_id, count, first_at, last_at, outcome AS last_outcome,
      COUNT(*) OVER () AS total_people, SUM(count) OVER () AS total_refusals
    FROM (
      SELECT user_id, outcome,
        COUNT(*) OVER per_user AS count, MIN(at) OVER per_user AS first_at, MAX(at) OVER per_user AS last_at,
        ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY at DESC, id DESC) AS latest
      FROM audit_events WHERE action = 'denied' AND at >= ${since}
      WINDOW per_user AS (PARTITION BY user_id)
    ) AS per_user_latest
    WHERE latest = 1 ORDER BY last_at DESC, user_id LIMIT ${limit}`;
}
