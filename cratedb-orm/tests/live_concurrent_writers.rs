//! Concurrent writers on the real server (`CRATEDB_URL`): eight threads share one `Client`,
//! each unit of work in its own session, incrementing a few hot versioned rows by
//! read-modify-write through `retry::retry_stale`. Every increment reported as landed is in
//! the final sums, none twice: optimistic concurrency turns each lost race into a stale
//! commit that is read again and applied again.

mod live;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use cratedb_orm::retry::Retry;
use cratedb_orm::{CrateModel, Error, Session};

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "hot_counters", versioned, number_of_replicas = "0")]
struct HotCounter {
    #[cratedb(primary_key)]
    id: String,
    n: i64,
}

const THREADS: usize = 8;
const INCREMENTS: usize = 40;
const ROWS: usize = 3;

#[test]
fn live_eight_writers_increment_hot_rows_and_lose_no_update() {
    let Some(live) = live::connect("concurrent_writers") else {
        return;
    };
    live.create::<HotCounter>();
    let mut s = Session::new(live.client.clone());
    for r in 0..ROWS {
        s.add(HotCounter {
            id: format!("hot-{r}"),
            n: 0,
        });
    }
    s.commit().expect("seed");

    let attempts = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let client = live.client.clone();
            let attempts = Arc::clone(&attempts);
            thread::spawn(move || {
                let retry = Retry::new().attempts(1000);
                let mut landed = vec![0_i64; ROWS];
                for i in 0..INCREMENTS {
                    let row = (t + i) % ROWS;
                    let id = format!("hot-{row}");
                    let result = retry.run(&client, |session| {
                        attempts.fetch_add(1, Ordering::Relaxed);
                        let c = session
                            .find::<HotCounter>(id.as_str())?
                            .ok_or(Error::RowCount { found: 0 })?;
                        session[c].n += 1;
                        Ok(())
                    });
                    match result {
                        Ok(()) => landed[row] += 1,
                        Err(e) => panic!("increment {t}/{i}: {e}"),
                    }
                }
                landed
            })
        })
        .collect();
    let mut landed = vec![0_i64; ROWS];
    for w in workers {
        for (total, n) in landed.iter_mut().zip(w.join().expect("writer")) {
            *total += n;
        }
    }
    let took = started.elapsed();

    let mut check = Session::new(live.client.clone());
    let mut sums = Vec::new();
    for r in 0..ROWS {
        let h = check
            .find::<HotCounter>(format!("hot-{r}").as_str())
            .expect("find")
            .expect("row");
        sums.push(check[h].n);
    }
    assert_eq!(sums, landed, "every landed increment counted exactly once");
    assert_eq!(
        sums.iter().sum::<i64>(),
        (THREADS * INCREMENTS) as i64,
        "no increment lost"
    );
    let runs = attempts.load(Ordering::Relaxed);
    println!(
        "{THREADS} writers x {INCREMENTS} increments on {ROWS} hot rows: sums {sums:?}, {runs} \
         runs of the unit for {} increments ({} stale retries), {:.2} s",
        THREADS * INCREMENTS,
        runs - THREADS * INCREMENTS,
        took.as_secs_f64()
    );
}

#[test]
fn live_a_retried_unit_is_not_applied_again_when_part_of_it_landed() {
    let Some(live) = live::connect("retry_partial") else {
        return;
    };
    live.create::<HotCounter>();
    let mut s = Session::new(live.client.clone());
    let a = s.add(HotCounter {
        id: "a".into(),
        n: 0,
    });
    let b = s.add(HotCounter {
        id: "b".into(),
        n: 0,
    });
    s.commit().expect("seed");

    // A unit that changes two rows; a concurrent writer changes one of them between the
    // unit's read and its commit, once: the other row lands, so the unit must not run again.
    let runs = AtomicUsize::new(0);
    let interfere = live.client.clone();
    let err = Retry::new()
        .attempts(5)
        .run(&live.client, |session| {
            runs.fetch_add(1, Ordering::Relaxed);
            let a = session
                .find::<HotCounter>("a")?
                .ok_or(Error::RowCount { found: 0 })?;
            let b = session
                .find::<HotCounter>("b")?
                .ok_or(Error::RowCount { found: 0 })?;
            session[a].n += 1;
            session[b].n += 1;
            if runs.load(Ordering::Relaxed) == 1 {
                let mut other = Session::new(interfere.clone());
                let theirs = other
                    .find::<HotCounter>("b")?
                    .ok_or(Error::RowCount { found: 0 })?;
                other[theirs].n += 100;
                other.commit()?;
            }
            Ok(())
        })
        .expect_err("half of the unit landed: not applied again");
    assert!(err.is_stale(), "{err}");
    assert!(!err.may_have_landed(), "{err}");
    assert_eq!(runs.load(Ordering::Relaxed), 1, "never re-applied");
    let Error::Commit(commit) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(commit.written, 1);

    // The stale model is still in the error; the database holds a = 1, b = 100.
    s.reload(a).expect("reload a");
    s.reload(b).expect("reload b");
    assert_eq!((s[a].n, s[b].n), (1, 100));
}

#[test]
fn live_error_predicates_on_the_top_level_error() {
    let Some(live) = live::connect("error_predicates") else {
        return;
    };
    live.create::<HotCounter>();
    let mut s = Session::new(live.client.clone());
    let h = s.add(HotCounter {
        id: "x".into(),
        n: 0,
    });
    s.commit().expect("seed");

    // Stale: another session changed the row.
    let mut other = Session::new(live.client.clone());
    let theirs = other.find::<HotCounter>("x").expect("find").expect("x");
    other[theirs].n = 5;
    other.commit().expect("other");
    s[h].n = 1;
    let stale = s.commit().expect_err("stale");
    assert!(stale.is_stale() && !stale.is_duplicate_key() && !stale.may_have_landed());
    s.rollback().expect("rollback");

    // Duplicate key, with CrateDB's code kept.
    let mut dup = Session::new(live.client.clone());
    dup.add(HotCounter {
        id: "x".into(),
        n: 9,
    });
    let e = dup.commit().expect_err("duplicate");
    assert!(
        e.is_duplicate_key() && !e.is_stale() && !e.may_have_landed(),
        "{e}"
    );
    assert_eq!(e.sql_error().map(|s| s.code), Some(4091), "{e:?}");

    // A client-level SQL error: its code, and it did not run.
    let e = cratedb_orm::Error::from(
        live.client
            .sql("SELEC 1", &[] as &[cratedb_orm::Value])
            .expect_err("syntax"),
    );
    assert_eq!(e.sql_error().map(|s| s.code), Some(4000));
    assert!(!e.may_have_landed() && !e.is_stale());
}
