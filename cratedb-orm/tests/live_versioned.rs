//! Optimistic concurrency against a real CrateDB (`CRATEDB_URL`): versioned models carry
//! `_seq_no` and `_primary_term`; their UPDATEs and DELETEs match only the version loaded, so a
//! row changed or deleted meanwhile is reported stale and the model stays pending.

mod live;

use cratedb_orm::session::{RowFailureCause, WriteKind};
use cratedb_orm::{object, CrateModel, Error, Object, Session};
use serde_json::json;

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(
    table = "accounts",
    versioned,
    number_of_shards = 3,
    number_of_replicas = "0"
)]
struct Account {
    #[cratedb(primary_key)]
    id: String,
    owner: String,
    balance: i64,
    info: Option<Object>,
}

fn account(id: &str, balance: i64) -> Account {
    Account {
        id: id.into(),
        owner: format!("owner of {id}"),
        balance,
        info: Some(object! { "tier": "gold", "limits": { "daily": 100 } }),
    }
}

/// The commit error of a failed commit.
fn commit_error(result: cratedb_orm::Result<()>) -> Box<cratedb_orm::session::CommitError> {
    match result {
        Err(Error::Commit(commit)) => commit,
        other => panic!("expected a commit error, got {other:?}"),
    }
}

#[test]
fn live_versioned_updates_check_the_version_and_read_the_new_one_back() {
    let Some(live) = live::connect("versioned_update") else {
        return;
    };
    live.create::<Account>();
    let (client, log) = live.logging_client();
    let mut s = Session::new(client.clone());
    let a = s.add(account("a", 10));
    let b = s.add(account("b", 20));
    s.commit().expect("insert");

    // Two changed models: one UPDATE each (each reads its new version back), and the
    // next change of the same models goes through without a reload.
    log.take();
    s[a].balance += 1;
    s[b].info
        .as_mut()
        .expect("info")
        .set_path(&["limits", "daily"], 200)
        .expect("path");
    s.commit().expect("first update");
    let sent = log.take();
    assert_eq!(sent.len(), 2, "{sent:?}");
    for stmt in &sent {
        assert!(
            stmt.sql.contains(r#""_seq_no" = $"#)
                && stmt.sql.contains(r#""_primary_term" = $"#)
                && stmt
                    .sql
                    .ends_with(r#"RETURNING "_seq_no", "_primary_term""#),
            "{}",
            stmt.sql
        );
        assert_eq!(stmt.bulk_rows, None);
    }
    s[a].balance += 1;
    s[b].balance += 1;
    s.commit()
        .expect("second update with the versions read back");

    // Another session changes a row: this session's next update of it is stale.
    let mut other = Session::new(client.clone());
    let oa = other.find::<Account>("a").expect("find").expect("row");
    assert_eq!(other[oa].balance, 12);
    other[oa].balance = 1000;
    other.commit().expect("the other session wins");

    s[a].balance += 1;
    s[b].balance += 1;
    let commit = commit_error(s.commit());
    assert!(commit.is_stale(), "{commit}");
    assert_eq!(commit.written, 1, "b landed");
    assert_eq!(commit.failures.len(), 1, "{commit}");
    assert_eq!(commit.failures[0].key.as_deref(), Some("\"a\""));
    assert_eq!(commit.failures[0].kind, WriteKind::Update);
    assert_eq!(commit.failures[0].cause, RowFailureCause::Stale);
    assert!(s.is_pending(a) && !s.is_pending(b));
    // Sent again, it is still stale: nothing is overwritten blindly.
    assert!(commit_error(s.commit()).is_stale());
    // Reload, then the change goes through.
    assert!(s.reload(a).expect("reload"));
    assert_eq!(s[a].balance, 1000);
    s[a].balance += 1;
    s.commit().expect("after reload");
    let mut check = Session::new(client.clone());
    let ca = check.find::<Account>("a").expect("find").expect("row");
    let cb = check.find::<Account>("b").expect("find").expect("row");
    assert_eq!((check[ca].balance, check[cb].balance), (1001, 22));
    assert_eq!(
        check[cb].info.clone().map(serde_json::Value::from),
        Some(json!({ "tier": "gold", "limits": { "daily": 200 } }))
    );

    // A row deleted meanwhile: the update is stale too.
    let gone = other.find::<Account>("b").expect("find").expect("row");
    other.delete(gone);
    other.commit().expect("the other session deletes");
    s[b].balance += 1;
    let commit = commit_error(s.commit());
    assert_eq!(commit.failures[0].cause, RowFailureCause::Stale, "{commit}");
    assert!(s.is_pending(b));
}

#[test]
fn live_versioned_deletes_check_the_version() {
    let Some(live) = live::connect("versioned_delete") else {
        return;
    };
    live.create::<Account>();
    let client = live.client.clone();
    let mut s = Session::new(client.clone());
    let handles: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|id| s.add(account(id, 1)))
        .collect();
    s.commit().expect("insert");

    // Another session changes b.
    let mut other = Session::new(client.clone());
    let ob = other.find::<Account>("b").expect("find").expect("row");
    other[ob].balance = 50;
    other.commit().expect("other update");

    // Deleting all three: a and c go, b is stale and stays (in the database and pending).
    for &h in &handles {
        s.delete(h);
    }
    let commit = commit_error(s.commit());
    assert_eq!(commit.written, 2, "{commit}");
    assert_eq!(commit.failures.len(), 1, "{commit}");
    assert_eq!(commit.failures[0].key.as_deref(), Some("\"b\""));
    assert_eq!(commit.failures[0].kind, WriteKind::Delete);
    assert_eq!(commit.failures[0].cause, RowFailureCause::Stale, "{commit}");
    assert!(commit.is_stale());
    assert!(s.is_pending(handles[1]));
    let mut check = Session::new(client.clone());
    for (id, exists) in [("a", false), ("b", true), ("c", false)] {
        assert_eq!(
            check.find::<Account>(id).expect("find").is_some(),
            exists,
            "{id}"
        );
    }
}
