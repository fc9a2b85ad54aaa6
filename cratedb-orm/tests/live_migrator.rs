//! Versioned migrations on a real CrateDB (`CRATEDB_URL`): steps applied once each and
//! recorded, a step failing half-way reported and resumed, changed steps refused, the lock
//! row (two migrators at the same moment, a stale lock taken over, a lost lock).

mod live;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use cratedb_orm::migrate::{Migrator, PlanOptions, Step, StepStatus};
use cratedb_orm::raw::raw;
use cratedb_orm::{CrateModel, Error};

mod v1 {
    use cratedb_orm::CrateModel;

    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "devices")]
    pub struct Device {
        #[cratedb(primary_key)]
        pub id: String,
        pub name: Option<String>,
    }
}

mod v2 {
    use cratedb_orm::CrateModel;

    #[derive(CrateModel, Debug, Default, Clone)]
    #[cratedb(table = "devices")]
    pub struct Device {
        #[cratedb(primary_key)]
        pub id: String,
        pub name: Option<String>,
        pub battery_pct: Option<f64>,
        #[cratedb(server_default = "'active'")]
        pub state: Option<String>,
    }
}

fn steps() -> Vec<Step> {
    vec![
        Step::sql("0001_devices", [v1::Device::create_table_sql()]),
        Step::sql(
            "0002_seed",
            [
                r#"INSERT INTO "devices" ("id", "name") SELECT 'd' || g::TEXT, 'device ' || g::TEXT FROM generate_series(1, 2000) AS t(g)"#,
            ],
        ),
        Step::sync::<v2::Device>("0003_device_battery", PlanOptions::new()),
    ]
}

fn migrator(client: &cratedb_orm::Client, owner: &str) -> Migrator {
    let mut m = Migrator::new(client).owner(owner);
    for step in steps() {
        m = m.step(step);
    }
    m
}

#[test]
fn live_migrator_applies_each_step_once() {
    let Some(live) = live::connect("migrator_once") else {
        return;
    };
    let client = &live.client;
    let m = migrator(client, "first");
    assert_eq!(
        m.pending().expect("pending"),
        ["0001_devices", "0002_seed", "0003_device_battery"]
    );
    let report = m.apply().expect("apply");
    let applied: Vec<(&str, usize)> = report
        .applied
        .iter()
        .map(|s| (s.name.as_str(), s.report.statements.len()))
        .collect();
    assert_eq!(
        applied,
        [
            ("0001_devices", 1),
            ("0002_seed", 1),
            ("0003_device_battery", 2)
        ]
    );
    println!("first apply: {applied:?}");
    let records = m.records().expect("history");
    assert!(records.iter().all(|r| r.status == StepStatus::Applied));
    assert_eq!(records[2].statements.len(), 2);
    assert!(records[2].statements[0].ends_with(r#"ADD COLUMN "battery_pct" DOUBLE PRECISION"#));
    assert!(records[0].checksum.is_some() && records[2].checksum.is_none());
    assert!(records
        .iter()
        .all(|r| r.applied_by.as_deref() == Some("first")));
    assert!(records.iter().all(|r| r.finished_at.is_some()));

    // Again: nothing runs.
    let again = migrator(client, "second").apply().expect("apply again");
    assert!(again.applied.is_empty());
    assert_eq!(again.already_applied.len(), 3);
    assert!(m.pending().expect("pending").is_empty());
    let dry = m.dry_run().expect("dry run");
    assert_eq!(dry.matches(": applied").count(), 3, "{dry}");
    println!("second apply: nothing to do; dry run:\n{dry}");

    // The lock row is gone after each run (count(*) is a search: refresh first, or it may
    // still see the deleted row).
    raw(r#"REFRESH TABLE "cratedb_orm_migrations_lock""#)
        .execute(client)
        .expect("refresh");
    let locks: Vec<(i64,)> = raw(r#"SELECT count(*) FROM "cratedb_orm_migrations_lock""#)
        .fetch(client)
        .expect("lock rows");
    assert_eq!(locks, [(0,)]);

    // An applied step may not change.
    let changed = Migrator::new(client)
        .step(Step::sql(
            "0001_devices",
            ["CREATE TABLE \"other\" (\"x\" INT)"],
        ))
        .apply()
        .expect_err("changed step");
    assert!(
        matches!(&changed, Error::MigrationChanged { step, .. } if step == "0001_devices"),
        "{changed}"
    );
    println!("{changed}");
}

#[test]
fn live_migrator_reports_a_failed_step_and_resumes_it() {
    let Some(live) = live::connect("migrator_fail") else {
        return;
    };
    let client = &live.client;
    live.create::<v1::Device>();
    // The table already has `note`: the step's second statement fails.
    raw(r#"ALTER TABLE "devices" ADD COLUMN "note" TEXT"#)
        .execute(client)
        .expect("note");
    let m = Migrator::new(client)
        .step(Step::sql(
            "0001_audit",
            [r#"CREATE TABLE "audit" ("id" TEXT PRIMARY KEY)"#],
        ))
        .step(Step::sql(
            "0002_devices",
            [
                r#"ALTER TABLE "devices" ADD COLUMN "firmware" TEXT"#,
                r#"ALTER TABLE "devices" ADD COLUMN "note" TEXT"#,
                r#"ALTER TABLE "devices" ADD COLUMN "serial" TEXT"#,
            ],
        ))
        .step(Step::sql(
            "0003_more",
            [r#"ALTER TABLE "audit" ADD COLUMN "at" TIMESTAMP WITH TIME ZONE"#],
        ));
    let err = m.apply().expect_err("the second statement fails");
    println!("{err}");
    let Error::Migration(failure) = &err else {
        panic!("expected a migration failure, got {err:?}");
    };
    assert_eq!(failure.step.as_deref(), Some("0002_devices"));
    assert_eq!(failure.applied, ["0001_audit"]);
    assert_eq!(
        failure.ran,
        [r#"ALTER TABLE "devices" ADD COLUMN "firmware" TEXT"#]
    );
    assert_eq!(
        failure.failed,
        r#"ALTER TABLE "devices" ADD COLUMN "note" TEXT"#
    );
    assert_eq!(
        failure.not_run,
        [r#"ALTER TABLE "devices" ADD COLUMN "serial" TEXT"#]
    );
    assert_eq!(failure.later_steps, ["0003_more"]);
    assert!(
        failure
            .cause
            .to_string()
            .contains("already has a column named note"),
        "{}",
        failure.cause
    );
    let records = m.records().expect("history");
    let failed = &records[1];
    assert_eq!(
        (failed.status.clone(), failed.actions_done),
        (StepStatus::Failed, 1)
    );
    assert!(failed
        .error
        .as_deref()
        .is_some_and(|e| e.contains("already has a column named note")));

    // Fixed by hand; the next run resumes at the failed statement (the first is not run
    // again, it would fail: `firmware` exists).
    raw(r#"ALTER TABLE "devices" DROP COLUMN "note""#)
        .execute(client)
        .expect("fix");
    let report = m.apply().expect("resume");
    let resumed: Vec<(&str, Option<usize>, usize)> = report
        .applied
        .iter()
        .map(|s| (s.name.as_str(), s.resumed_at, s.report.statements.len()))
        .collect();
    assert_eq!(
        resumed,
        [("0002_devices", Some(1), 2), ("0003_more", None, 1)]
    );
    println!("resumed: {resumed:?}");
    let records = m.records().expect("history");
    assert!(records.iter().all(|r| r.status == StepStatus::Applied));
    assert_eq!(records[1].statements.len(), 3);
}

#[test]
fn live_two_migrators_started_at_the_same_moment() {
    let Some(live) = live::connect("migrator_race") else {
        return;
    };
    for round in 0..3 {
        let history = format!("migrations_{round}");
        let table = format!("devices_{round}");
        let barrier = Arc::new(Barrier::new(2));
        let started = Instant::now();
        let runs: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|owner| {
                let client = live.client.clone();
                let barrier = Arc::clone(&barrier);
                let (history, table) = (history.clone(), table.clone());
                thread::spawn(move || {
                    let m = Migrator::new(&client)
                        .owner(owner)
                        .history_table(history)
                        .step(Step::sql(
                            "0001_create",
                            [format!(r#"CREATE TABLE "{table}" ("id" TEXT PRIMARY KEY)"#)],
                        ))
                        .step(Step::sql(
                            "0002_fill",
                            [format!(
                                r#"INSERT INTO "{table}" ("id") SELECT g::TEXT FROM generate_series(1, 20000) AS t(g)"#
                            )],
                        ))
                        .step(Step::sql(
                            "0003_column",
                            [format!(r#"ALTER TABLE "{table}" ADD COLUMN "battery_pct" DOUBLE PRECISION"#)],
                        ));
                    barrier.wait();
                    let report = m.apply();
                    (owner, report, started.elapsed())
                })
            })
            .collect();
        let mut results = Vec::new();
        for run in runs {
            let (owner, report, took) = run.join().expect("thread");
            let report = report.unwrap_or_else(|e| panic!("migrator {owner}: {e}"));
            results.push((owner, report, took));
        }
        let applied: Vec<usize> = results.iter().map(|(_, r, _)| r.applied.len()).collect();
        let mut sorted = applied.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            [0, 3],
            "one migrator applies every step: {applied:?}"
        );
        for (owner, report, took) in &results {
            println!(
                "round {round}: migrator {owner} applied {} steps, found {} applied, waited {:?} for the lock, done after {:?}",
                report.applied.len(),
                report.already_applied.len(),
                report.waited,
                took
            );
        }
        live.refresh(&history);
        let rows: Vec<(i64,)> = raw(format!(r#"SELECT count(*) FROM "{history}""#))
            .fetch(&live.client)
            .expect("history rows");
        assert_eq!(rows, [(3,)], "each step recorded once");
        live.refresh(&table);
        let rows: Vec<(i64,)> = raw(format!(r#"SELECT count(*) FROM "{table}""#))
            .fetch(&live.client)
            .expect("rows");
        assert_eq!(rows, [(20_000,)], "the fill ran once");
    }
}

#[test]
fn live_migrator_lock_waits_takes_over_a_stale_lock_and_notices_a_lost_one() {
    let Some(live) = live::connect("migrator_lock") else {
        return;
    };
    let client = &live.client;
    // Create the tables, then plant a lock row of a migrator that died.
    Migrator::new(client).apply().expect("tables");
    raw(r#"INSERT INTO "cratedb_orm_migrations_lock" ("id", "owner", "acquired_at", "renewed_at") VALUES ('migrations', 'dead', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"#)
        .execute(client)
        .expect("plant a lock");

    // Held and fresh: wait, then give up with the holder's name.
    let started = Instant::now();
    let err = Migrator::new(client)
        .lock_wait(Duration::from_millis(600))
        .step(Step::sql("0001_x", [r#"CREATE TABLE "x" ("id" INT)"#]))
        .apply()
        .expect_err("locked");
    println!("{err} (after {:?})", started.elapsed());
    assert!(
        matches!(&err, Error::MigrationLocked { owner, .. } if owner == "dead"),
        "{err}"
    );
    assert!(started.elapsed() >= Duration::from_millis(600));

    // Stale after 1 s: taken over.
    thread::sleep(Duration::from_millis(1200));
    let report = Migrator::new(client)
        .owner("heir")
        .lock_stale_after(Duration::from_secs(1))
        .step(Step::sql("0001_x", [r#"CREATE TABLE "x" ("id" INT)"#]))
        .apply()
        .expect("takes over");
    assert_eq!(report.took_over.as_deref(), Some("dead"));
    assert_eq!(report.applied.len(), 1);
    println!(
        "took over the lock of {:?}, applied {:?}",
        report.took_over, report.applied[0].name
    );

    // A step that changes the lock row behind the migrator's back: the next renewal
    // notices, and the migrator stops before the next action.
    let err = Migrator::new(client)
        .owner("victim")
        .step(Step::sql(
            "0002_steal",
            [
                r#"UPDATE "cratedb_orm_migrations_lock" SET "owner" = 'thief' WHERE "id" = 'migrations'"#,
                r#"CREATE TABLE "y" ("id" INT)"#,
            ],
        ))
        .apply()
        .expect_err("lock lost");
    println!("{err}");
    let Error::Migration(failure) = &err else {
        panic!("expected a migration failure, got {err:?}");
    };
    assert!(matches!(failure.cause, Error::MigrationLockLost { .. }));
    assert_eq!(failure.not_run, [r#"CREATE TABLE "y" ("id" INT)"#]);
    assert!(!cratedb_orm::reflect::table_exists(client, None, "y").expect("y"));
    // The thief's row stays; it is theirs.
    let owners: Vec<(String,)> =
        raw(r#"SELECT "owner" FROM "cratedb_orm_migrations_lock" WHERE "id" = 'migrations'"#)
            .fetch(client)
            .expect("owner");
    assert_eq!(owners, [("thief".to_owned(),)]);
}

#[test]
fn live_migrator_step_from_a_plan() {
    let Some(live) = live::connect("migrator_plan") else {
        return;
    };
    let client = &live.client;
    live.create::<v1::Device>();
    let plan = cratedb_orm::migrate::plan::<v2::Device>(client, &PlanOptions::new()).expect("plan");
    let step = Step::plan("0001_battery", plan);
    let m = Migrator::new(client).step(step.clone());
    let dry = m.dry_run().expect("dry run");
    assert!(
        dry.contains(r#"ADD COLUMN "battery_pct" DOUBLE PRECISION;"#),
        "{dry}"
    );
    println!("{dry}");
    let report = m.apply().expect("apply");
    assert_eq!(report.applied[0].report.statements.len(), 2);
    assert!(cratedb_orm::migrate::diff::<v2::Device>(client)
        .expect("diff")
        .is_empty());
    // The plan is recorded with its checksum; the same step again is applied already.
    assert!(Migrator::new(client)
        .step(step)
        .apply()
        .expect("again")
        .applied
        .is_empty());
    let _ = v2::Device::meta();
}
