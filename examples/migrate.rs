//! Schema evolution end to end: a `devices` table with rows, then a new version of the model
//! (a field added, one renamed, an object key declared, a setting changed) — the difference,
//! reads across it, the plan printed as SQL, and the migration applied through a
//! [`Migrator`] (history table, lock row).
//!
//! ```text
//! cargo run --example migrate                       # dry run: prints what it would do
//! cargo run --example migrate -- --apply            # applies the changes made in place
//! cargo run --example migrate -- --apply --rebuild  # … and v3's, which need a rebuild
//! cargo run --example migrate -- --reset            # drops the example's tables
//! ```
//!
//! It runs against `CRATEDB_URL` (default `crate://localhost:4200`) in a schema of its own,
//! `migrate_example`; nothing else is touched. A rebuild keeps the old rows in
//! `devices_before_<time>`, which `--reset` drops too.

use std::error::Error;

use cratedb_orm::migrate::{self, Migrator, PlanOptions, Step};
use cratedb_orm::{object, reflect, Client, CrateModel, Session};

const SCHEMA: &str = "migrate_example";

/// The first version, as deployed.
mod v1 {
    use cratedb_orm::{CrateModel, Object};

    #[derive(CrateModel, Debug, Clone, Default)]
    #[cratedb(
        table = "devices",
        schema = "migrate_example",
        number_of_replicas = "0-1"
    )]
    pub struct Device {
        #[cratedb(primary_key)]
        pub id: String,
        pub name: Option<String>,
        pub battery: Option<f64>,
        #[cratedb(object(policy = "strict", columns(firmware = "TEXT")))]
        pub details: Option<Object>,
    }
}

/// The next version: every change is one CrateDB makes in place.
mod v2 {
    use cratedb_orm::{CrateModel, Object, TimestampTz};

    #[derive(CrateModel, Debug, Clone, Default)]
    #[cratedb(
        table = "devices",
        schema = "migrate_example",
        number_of_replicas = "0"
    )]
    pub struct Device {
        #[cratedb(primary_key)]
        pub id: String,
        pub name: Option<String>,
        /// Renamed: declared, never guessed.
        #[cratedb(renamed_from = "battery")]
        pub battery_pct: Option<f64>,
        /// A key added to a strict object.
        #[cratedb(object(policy = "strict", columns(firmware = "TEXT", slot = "INTEGER")))]
        pub details: Option<Object>,
        /// New, with a default for new rows.
        #[cratedb(server_default = "now()")]
        pub seen_at: Option<TimestampTz>,
    }
}

/// A later version: a wider type and a fulltext index, which need a rebuild.
mod v3 {
    use cratedb_orm::{CrateModel, Object, TimestampTz};

    #[derive(CrateModel, Debug, Clone, Default)]
    #[cratedb(
        table = "devices",
        schema = "migrate_example",
        number_of_replicas = "0"
    )]
    pub struct Device {
        #[cratedb(primary_key)]
        pub id: String,
        #[cratedb(fulltext(analyzer = "english"))]
        pub name: Option<String>,
        pub battery_pct: Option<f64>,
        #[cratedb(object(policy = "strict", columns(firmware = "TEXT", slot = "BIGINT")))]
        pub details: Option<Object>,
        #[cratedb(server_default = "now()")]
        pub seen_at: Option<TimestampTz>,
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("migrate failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let url = std::env::var("CRATEDB_URL").unwrap_or_else(|_| "crate://localhost:4200".into());
    let client = Client::new(&url)?;
    if flag("--reset") {
        return reset(&client);
    }
    let apply = flag("--apply");
    let rebuild = flag("--rebuild");

    // The deployed version, with a few rows.
    if !reflect::table_exists(&client, Some(SCHEMA), "devices")? {
        println!("{};", v1::Device::create_table_sql());
        client.sql(
            &v1::Device::create_table_sql(),
            &[] as &[cratedb_orm::Value],
        )?;
        let mut session = Session::new(client.clone());
        for i in 0..5 {
            session.add(v1::Device {
                id: format!("sensor-{i}"),
                name: Some(format!("Sensor {i}")),
                battery: Some(80.0 + f64::from(i)),
                details: Some(object! { "firmware": "1.0" }),
            });
        }
        session.commit()?;
        session.refresh_table::<v1::Device>()?;
    }

    // What v2 sees in the table.
    let diff = migrate::diff::<v2::Device>(&client)?;
    println!("\n== the difference ==\n{diff}");

    // Reads across the change: an error naming the column and the fix, or NULL.
    if !diff.is_empty() {
        let mut session = Session::new(client.clone());
        match session.query::<v2::Device>().all() {
            Err(e) => println!("\n== v2 reads the table ==\n{e}"),
            Ok(rows) => println!("\n== v2 reads the table ==\n{} rows", rows.len()),
        }
        let mut session = Session::new(client.clone()).read_missing_columns_as_null(true);
        match session.query::<v2::Device>().all() {
            Ok(rows) => {
                let first = rows.first().map(|h| &session[*h]);
                println!(
                    "with read_missing_columns_as_null(true): {} rows; {} has battery_pct {:?}, seen_at {:?}",
                    rows.len(),
                    first.map_or("-", |d| d.id.as_str()),
                    first.and_then(|d| d.battery_pct),
                    first.and_then(|d| d.seen_at)
                );
            }
            Err(e) => println!("with read_missing_columns_as_null(true): {e}"),
        }
    }

    // The plan, printed as SQL before anything runs.
    let plan = migrate::plan::<v2::Device>(&client, &PlanOptions::new())?;
    println!("\n== the plan for v2 ==\n{plan}");

    // The versioned migration: steps recorded in a history table, under a lock row.
    let options = PlanOptions::new().rebuild(rebuild);
    let migrator = Migrator::new(&client)
        .schema(SCHEMA)
        .step(Step::sql(
            "0001_devices",
            [v1::Device::create_table_if_not_exists_sql()],
        ))
        .step(Step::sync::<v2::Device>(
            "0002_battery_pct_seen_at_slot",
            PlanOptions::new(),
        ))
        .step(Step::sync::<v3::Device>(
            "0003_wider_slot_fulltext_name",
            options,
        ));
    if !apply {
        println!("\n== dry run (pass --apply to run it) ==");
        println!("pending: {:?}", migrator.pending()?);
        println!("{}", migrator.dry_run()?);
        return Ok(());
    }
    match migrator.apply() {
        Ok(report) => {
            println!("\n== applied ==");
            for step in &report.applied {
                println!(
                    "{}: {} statements in {:?}",
                    step.name,
                    step.report.statements.len(),
                    step.report.duration
                );
                for r in &step.report.rebuilds {
                    println!(
                        "  rebuilt {} ({} rows copied in {:?}); old rows kept in {}",
                        r.table, r.copied, r.duration, r.kept
                    );
                }
            }
            println!("already applied: {:?}", report.already_applied);
            for w in &report.warnings {
                println!("warning: {w}");
            }
        }
        // v3 without --rebuild: refused, naming each column and the reason.
        Err(e) => println!("\n== stopped ==\n{e}"),
    }
    for record in migrator.records()? {
        println!(
            "history: {} {:?} ({} statements, by {})",
            record.name,
            record.status,
            record.statements.len(),
            record.applied_by.as_deref().unwrap_or("?")
        );
    }
    Ok(())
}

/// Drops every table of the example's schema: `devices`, the kept tables of rebuilds, the
/// history and lock tables.
fn reset(client: &Client) -> Result<(), Box<dyn Error>> {
    for table in reflect::tables(client, Some(SCHEMA))? {
        let sql = cratedb_orm::ddl::alter::drop_table(&cratedb_orm::ddl::TableName::new(
            Some(SCHEMA),
            &table.name,
        ));
        println!("{sql};");
        client.sql(&sql, &[] as &[cratedb_orm::Value])?;
    }
    let _ = v3::Device::meta();
    Ok(())
}
