//! Queries across tables, as SQL: joins (qualified columns, aliases), subqueries with bound
//! values, `WITH`, `UNION`, window functions, the latest row per group, relationships, and
//! an expression used twice rendering the same SQL. The live suite runs each against CrateDB
//! (`live_across_tables.rs`).

mod fleet;

use cratedb_orm::expr::{count_star, function, max, param, Frame, FrameEnd, FrameStart, Window};
use cratedb_orm::query::Select;
use cratedb_orm::{write, TimestampTz};
use fleet::{Alert, Device, Gateway, Reading, Recent};
use serde_json::json;

fn t(ms: i64) -> TimestampTz {
    TimestampTz(ms)
}

#[test]
fn a_join_qualifies_every_column() {
    let q = Select::<Reading>::new()
        .join::<Device>()
        .on(Reading::device_id().eq(Device::id()))
        .filter(Device::name().eq("pump").and(Reading::temp().gt(20.5)))
        .order_by(Reading::ts().desc())
        .limit(10);
    assert_eq!(
        q.to_sql(),
        (
            r#"SELECT "readings"."device_id", "readings"."ts", "readings"."day", "readings"."temp", "devices"."id", "devices"."name", "devices"."parent_id", "devices"."tags" FROM "readings" JOIN "devices" ON "readings"."device_id" = "devices"."id" WHERE "devices"."name" = $1 AND "readings"."temp" > $2 ORDER BY "readings"."ts" DESC LIMIT 10"#
                .into(),
            vec![json!("pump"), json!(20.5)]
        )
    );
    // A query over one table stays unqualified.
    assert_eq!(
        Select::<Device>::new()
            .filter(Device::name().eq("x"))
            .to_sql()
            .0,
        r#"SELECT "id", "name", "parent_id", "tags" FROM "devices" WHERE "name" = $1"#
    );
}

#[test]
fn every_kind_of_join() {
    let on = || Device::id().eq(Alert::device_id());
    let sql = |q: (String, Vec<serde_json::Value>)| q.0;
    assert!(sql(Select::<Device>::new()
        .left_join::<Alert>()
        .on(on())
        .select((Device::name(), Alert::severity()))
        .to_sql())
    .contains(r#"FROM "devices" LEFT JOIN "alerts" ON "devices"."id" = "alerts"."device_id""#));
    assert!(sql(Select::<Device>::new()
        .right_join::<Alert>()
        .on(on())
        .select((Device::name(), Alert::severity()))
        .to_sql())
    .contains(r#"FROM "devices" RIGHT JOIN "alerts" ON"#));
    assert!(sql(Select::<Device>::new()
        .full_join::<Alert>()
        .on(on())
        .select((Device::name(), Alert::severity()))
        .to_sql())
    .contains(r#"FROM "devices" FULL JOIN "alerts" ON"#));
    assert_eq!(
        sql(Select::<Device>::new()
            .cross_join::<Alert>()
            .select((Device::name(), Alert::severity()))
            .to_sql()),
        r#"SELECT "devices"."name", "alerts"."severity" FROM "devices" CROSS JOIN "alerts""#
    );
    // Three tables, and a partial selection across them.
    let q = Select::<Reading>::new()
        .join::<Device>()
        .on(Reading::device_id().eq(Device::id()))
        .left_join::<Alert>()
        .on(Alert::device_id()
            .eq(Device::id())
            .and(Alert::severity().ge(3)))
        .select((Device::name(), Reading::temp(), Alert::message()));
    assert_eq!(
        q.to_sql().0,
        r#"SELECT "devices"."name", "readings"."temp", "alerts"."message" FROM "readings" JOIN "devices" ON "readings"."device_id" = "devices"."id" LEFT JOIN "alerts" ON "alerts"."device_id" = "devices"."id" AND "alerts"."severity" >= $1"#
    );
}

#[test]
fn a_self_join_goes_through_an_alias() {
    let q = Select::<Device>::new()
        .join::<Gateway>()
        .on(Device::parent_id().eq(Gateway::col(Device::id())))
        .filter(Gateway::col(Device::name()).like("gw-%"))
        .select((Device::name(), Gateway::col(Device::name())));
    assert_eq!(
        q.to_sql().0,
        r#"SELECT "devices"."name", "gateway"."name" FROM "devices" JOIN "devices" AS "gateway" ON "devices"."parent_id" = "gateway"."id" WHERE "gateway"."name" LIKE $1"#
    );
}

#[test]
fn subqueries_bind_their_values() {
    // Devices that have a severe alert: IN (SELECT …), with a bound severity.
    let severe = Select::<Alert>::new()
        .filter(Alert::severity().ge(4))
        .select(Alert::device_id());
    let q = Select::<Device>::new()
        .filter(
            Device::id()
                .in_select(severe)
                .and(Device::name().ne("spare")),
        )
        .select(Device::name());
    assert_eq!(
        q.to_sql(),
        (
            r#"SELECT "devices"."name" FROM "devices" WHERE "devices"."id" IN (SELECT "alerts"."device_id" FROM "alerts" WHERE "alerts"."severity" >= $1) AND "devices"."name" <> $2"#.into(),
            vec![json!(4), json!("spare")]
        )
    );

    // EXISTS, correlated: the subquery reads the enclosing query's Device.
    let has_alert = Select::<Alert>::new()
        .correlated::<(Device, ())>()
        .filter(
            Alert::device_id()
                .eq(Device::id())
                .and(Alert::severity().gt(2)),
        )
        .select(Alert::id())
        .exists();
    let q = Select::<Device>::new()
        .filter(has_alert)
        .select(Device::id());
    assert_eq!(
        q.to_sql().0,
        r#"SELECT "devices"."id" FROM "devices" WHERE EXISTS (SELECT 1 FROM "alerts" WHERE "alerts"."device_id" = "devices"."id" AND "alerts"."severity" > $1)"#
    );

    // A scalar subquery in the select list (correlated) and one in WHERE.
    let alerts_per_device = Select::<Alert>::new()
        .correlated::<(Device, ())>()
        .filter(Alert::device_id().eq(Device::id()))
        .select(count_star())
        .as_scalar();
    let hottest = Select::<Reading>::new()
        .select(max(Reading::temp()))
        .as_scalar();
    let q = Select::<Device>::new()
        .select((Device::name(), alerts_per_device))
        .order_by(Device::name());
    assert_eq!(
        q.to_sql().0,
        r#"SELECT "devices"."name", (SELECT count(*) FROM "alerts" WHERE "alerts"."device_id" = "devices"."id") FROM "devices" ORDER BY "devices"."name""#
    );
    let q = Select::<Reading>::new()
        .filter(Reading::temp().ge(hottest))
        .select(Reading::device_id());
    assert_eq!(
        q.to_sql().0,
        r#"SELECT "readings"."device_id" FROM "readings" WHERE "readings"."temp" >= (SELECT max("readings"."temp") FROM "readings")"#
    );
}

#[test]
fn with_queries_subqueries_in_from_and_unions() {
    let cutoff = t(1_767_225_600_000);
    let recent = Select::<Reading>::new().filter(Reading::ts().ge(cutoff));
    let q = Select::<Recent>::with_query(recent.clone())
        .filter(Recent::col(Reading::temp()).gt(30.0))
        .order_by(Recent::col(Reading::ts()));
    assert_eq!(
        q.to_sql(),
        (
            r#"WITH "recent" AS (SELECT "device_id", "ts", "day", "temp" FROM "readings" WHERE "ts" >= $1) SELECT "device_id", "ts", "day", "temp" FROM "recent" WHERE "temp" > $2 ORDER BY "ts""#.into(),
            vec![json!(1_767_225_600_000_i64), json!(30.0)]
        )
    );
    let q = Select::<Recent>::from_query(recent).select(count_star());
    assert_eq!(
        q.to_sql().0,
        r#"SELECT count(*) FROM (SELECT "device_id", "ts", "day", "temp" FROM "readings" WHERE "ts" >= $1) AS "recent""#
    );

    // UNION ALL of two selections of the same types; the order applies to the whole.
    let names = Select::<Device>::new()
        .select(Device::name())
        .union_all(
            Select::<Alert>::new()
                .select(Alert::message())
                .filter(Alert::severity().ge(5)),
        )
        .order_by(Device::name())
        .limit(20);
    assert_eq!(
        names.to_sql(),
        (
            r#"SELECT "name" FROM "devices" UNION ALL SELECT "message" FROM "alerts" WHERE "severity" >= $1 ORDER BY "name" LIMIT 20"#.into(),
            vec![json!(5)]
        )
    );
    // A bounded part goes in a subquery (CrateDB takes no LIMIT on a part).
    let q = Select::<Device>::new()
        .select(Device::name())
        .union(Select::<Device>::new().select(Device::name()).limit(3));
    assert_eq!(
        q.to_sql().0,
        r#"SELECT "name" FROM "devices" UNION SELECT * FROM (SELECT "name" FROM "devices" LIMIT 3) AS "u""#
    );
}

#[test]
fn window_functions_and_the_latest_row_per_group() {
    let per_device = Window::new()
        .partition_by(Reading::device_id())
        .order_by(Reading::ts());
    let q = Select::<Reading>::new().select((
        Reading::device_id(),
        per_device.row_number(),
        per_device.rank(),
        per_device.dense_rank(),
        per_device.lag(Reading::temp(), 1),
        per_device.lead(Reading::temp(), 1),
        per_device.first_value(Reading::temp()),
        per_device.last_value(Reading::temp()),
        per_device.nth_value(Reading::temp(), 2),
    ));
    assert_eq!(
        q.to_sql().0,
        r#"SELECT "device_id", row_number() OVER (PARTITION BY "device_id" ORDER BY "ts"), rank() OVER (PARTITION BY "device_id" ORDER BY "ts"), dense_rank() OVER (PARTITION BY "device_id" ORDER BY "ts"), lag("temp", 1) OVER (PARTITION BY "device_id" ORDER BY "ts"), lead("temp", 1) OVER (PARTITION BY "device_id" ORDER BY "ts"), first_value("temp") OVER (PARTITION BY "device_id" ORDER BY "ts"), last_value("temp") OVER (PARTITION BY "device_id" ORDER BY "ts"), nth_value("temp", 2) OVER (PARTITION BY "device_id" ORDER BY "ts") FROM "readings""#
    );
    // A moving average over the current and two preceding readings.
    let moving = per_device
        .clone()
        .frame(Frame::rows(FrameStart::Preceding(2), FrameEnd::CurrentRow))
        .avg(Reading::temp());
    assert_eq!(
        Select::<Reading>::new()
            .select((Reading::ts(), moving))
            .to_sql()
            .0,
        r#"SELECT "ts", avg("temp") OVER (PARTITION BY "device_id" ORDER BY "ts" ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM "readings""#
    );
    // The latest reading of each device, among those above 10 degrees.
    let q = Select::<Reading>::new()
        .filter(Reading::temp().gt(10.0))
        .latest_per(Reading::device_id(), Reading::ts().desc())
        .order_by(Reading::device_id());
    assert_eq!(
        q.to_sql(),
        (
            r#"SELECT "device_id", "ts", "day", "temp" FROM (SELECT "device_id", "ts", "day", "temp", row_number() OVER (PARTITION BY "device_id" ORDER BY "ts" DESC) AS "_rank" FROM "readings" WHERE "temp" > $1) AS "readings" WHERE "_rank" = 1 ORDER BY "device_id""#.into(),
            vec![json!(10.0)]
        )
    );
}

#[test]
fn an_expression_used_twice_renders_the_same_sql() {
    // The unit bound as a parameter, in SELECT and GROUP BY: one `$1`.
    let hour =
        function::<TimestampTz, _>("date_trunc", (param::<String, _>("hour"), Reading::ts()));
    let q = Select::<Reading>::new()
        .select((hour.clone(), count_star()))
        .group_by(hour.clone())
        .order_by(hour);
    assert_eq!(
        q.to_sql(),
        (
            r#"SELECT date_trunc($1, "ts"), count(*) FROM "readings" GROUP BY date_trunc($1, "ts") ORDER BY date_trunc($1, "ts")"#.into(),
            vec![json!("hour")]
        )
    );
}

#[test]
fn any_on_an_object_key_holding_an_array() {
    let q = Select::<Device>::new().filter(Device::tags().key("zones").any_eq("depot"));
    assert_eq!(
        q.to_sql().0,
        r#"SELECT "id", "name", "parent_id", "tags" FROM "devices" WHERE $1 = ANY("tags"['zones'])"#
    );
    // Typed elements: `key_as::<Vec<String>>` checks the value against the element type.
    let q = Select::<Device>::new().filter(
        Device::tags()
            .key_as::<Vec<String>>("zones")
            .any_eq("depot"),
    );
    assert!(q.to_sql().0.ends_with(r#"WHERE $1 = ANY("tags"['zones'])"#));
}

#[test]
fn relationships_join_without_writing_the_condition() {
    let q = Select::<Alert>::new()
        .join_parent::<Device>()
        .select((Device::name(), Alert::severity()));
    assert_eq!(
        q.to_sql().0,
        r#"SELECT "devices"."name", "alerts"."severity" FROM "alerts" JOIN "devices" ON "alerts"."device_id" = "devices"."id""#
    );
    let q = Select::<Device>::new()
        .left_join_children::<Alert>()
        .select((Device::name(), count_star()))
        .group_by(Device::name());
    assert_eq!(
        q.to_sql().0,
        r#"SELECT "devices"."name", count(*) FROM "devices" LEFT JOIN "alerts" ON "alerts"."device_id" = "devices"."id" GROUP BY "devices"."name""#
    );
    let q = Select::<Reading>::new()
        .join_parent::<Device>()
        .select(Device::name());
    assert!(q
        .to_sql()
        .0
        .contains(r#"JOIN "devices" ON "readings"."device_id" = "devices"."id""#));
}

#[test]
fn writes_with_subqueries_qualify_their_columns() {
    let quiet = Select::<Alert>::new()
        .correlated::<(Device, ())>()
        .filter(Alert::device_id().eq(Device::id()))
        .select(Alert::id())
        .not_exists();
    let (sql, args) =
        write::delete_where::<Device, _>(quiet.and(Device::name().like("tmp-%"))).to_sql();
    assert_eq!(
        sql,
        r#"DELETE FROM "devices" WHERE NOT EXISTS (SELECT 1 FROM "alerts" WHERE "alerts"."device_id" = "devices"."id") AND "devices"."name" LIKE $1"#
    );
    assert_eq!(args, vec![json!("tmp-%")]);
}
