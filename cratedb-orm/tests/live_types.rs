//! Live round trips of the types users bring: `uuid::Uuid` (TEXT), `Json<T>` (OBJECT),
//! `std::net` addresses (IP) and, with the `rust_decimal` feature, `Decimal` / `Numeric<P, S>`
//! (NUMERIC). Each test creates its table from the model's DDL, writes through a session, and
//! reads back by primary key (`find`), through a query, as selected tuples, and raw, to show
//! the wire form CrateDB answers with. They run only when `CRATEDB_URL` is set.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use cratedb_orm::types::Json;
use cratedb_orm::{CrateModel, CrateType, Session, Value};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

mod live;

/// The one value of `column` in the row `WHERE "id" = $1`, as the client parsed it.
fn raw_value(live: &live::Live, table: &str, column: &str, id: &Value) -> Value {
    let r = live
        .client
        .sql(
            &format!("SELECT \"{column}\" FROM \"{table}\" WHERE \"id\" = $1"),
            &[id],
        )
        .expect("raw select");
    r.rows
        .into_iter()
        .next()
        .and_then(|row| row.into_iter().next())
        .expect("one row")
}

#[derive(CrateModel, Debug, Clone, PartialEq)]
#[cratedb(table = "uuid_rows", number_of_replicas = "0")]
struct UuidRow {
    #[cratedb(primary_key)]
    id: Uuid,
    parent: Option<Uuid>,
    name: String,
}

#[test]
fn live_uuid_round_trip() {
    assert_eq!(
        UuidRow::create_table_sql(),
        r#"CREATE TABLE "uuid_rows" ("id" TEXT NOT NULL, "parent" TEXT, "name" TEXT NOT NULL, PRIMARY KEY ("id")) WITH (number_of_replicas = '0')"#
    );
    let Some(live) = live::connect("uuid") else {
        return;
    };
    live.create::<UuidRow>();
    let root = Uuid::new_v4();
    let child = Uuid::new_v4();
    let mut s = Session::new(live.client.clone());
    s.add(UuidRow {
        id: root,
        parent: None,
        name: "root".into(),
    });
    s.add(UuidRow {
        id: child,
        parent: Some(root),
        name: "child".into(),
    });
    s.commit().expect("insert");

    // CrateDB holds the hyphenated lower-case text.
    assert_eq!(
        raw_value(&live, "uuid_rows", "parent", &child.to_value()),
        json!(root.hyphenated().to_string())
    );

    // By primary key, in a fresh session (read from CrateDB, not the identity map).
    let mut fresh = Session::new(live.client.clone());
    let h = fresh
        .find::<UuidRow>(child)
        .expect("find")
        .expect("the child row");
    assert_eq!(fresh[h].parent, Some(root));
    assert_eq!(fresh[h].id, child);

    // In the DSL: a Uuid compares with a TEXT column.
    live.refresh("uuid_rows");
    let children = fresh
        .query::<UuidRow>()
        .filter(UuidRow::parent().eq(root))
        .all()
        .expect("filter by uuid");
    assert_eq!(children.len(), 1);
    assert_eq!(fresh[children[0]].id, child);
    let ids: Vec<(Uuid, Option<Uuid>)> = fresh
        .query::<UuidRow>()
        .select((UuidRow::id(), UuidRow::parent()))
        .order_by(UuidRow::name())
        .all()
        .expect("select uuids");
    assert_eq!(ids, vec![(child, Some(root)), (root, None)]);
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Address {
    street: String,
    city: String,
    floor: Option<i32>,
}

#[derive(CrateModel, Debug, Clone, PartialEq)]
#[cratedb(table = "people", number_of_replicas = "0")]
struct Person {
    #[cratedb(primary_key)]
    id: String,
    address: Json<Address>,
    scores: Option<Json<BTreeMap<String, i64>>>,
}

#[test]
fn live_json_round_trip() {
    assert_eq!(
        Person::create_table_sql(),
        r#"CREATE TABLE "people" ("id" TEXT NOT NULL, "address" OBJECT NOT NULL, "scores" OBJECT, PRIMARY KEY ("id")) WITH (number_of_replicas = '0')"#
    );
    let Some(live) = live::connect("json") else {
        return;
    };
    live.create::<Person>();
    let arthur = Person {
        id: "arthur".into(),
        address: Json(Address {
            street: "155 Country Lane".into(),
            city: "Cottington".into(),
            floor: None,
        }),
        scores: Some(Json(BTreeMap::from([
            ("darts".to_string(), 42),
            ("chess".to_string(), 7),
        ]))),
    };
    let mut s = Session::new(live.client.clone());
    let h = s.add(arthur.clone());
    s.commit().expect("insert");

    // CrateDB holds an object (a NULL member stays a member).
    assert_eq!(
        raw_value(&live, "people", "address", &json!("arthur")),
        json!({"street": "155 Country Lane", "city": "Cottington", "floor": null})
    );

    let mut fresh = Session::new(live.client.clone());
    let found = fresh
        .find::<Person>("arthur")
        .expect("find")
        .expect("arthur");
    assert_eq!(fresh[found], arthur);

    // A change rewrites the whole object.
    s[h].address.city = "Islington".into();
    s[h].address.floor = Some(2);
    let pending = s.pending_statements();
    assert_eq!(
        pending[0].sql,
        r#"UPDATE "people" SET "address" = $1 WHERE "id" = $2"#
    );
    s.commit().expect("update");
    assert_eq!(
        raw_value(&live, "people", "address", &json!("arthur")),
        json!({"street": "155 Country Lane", "city": "Islington", "floor": 2})
    );

    // Its keys are queryable like any object's.
    live.refresh("people");
    let rows: Vec<(String, Json<Address>)> = fresh
        .query::<Person>()
        .select((Person::id(), Person::address()))
        .filter(Person::address().key_as::<String>("city").eq("Islington"))
        .all()
        .expect("filter on a key");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1.floor, Some(2));
}

#[derive(CrateModel, Debug, Clone, PartialEq)]
#[cratedb(table = "hosts", number_of_replicas = "0")]
struct Host {
    #[cratedb(primary_key)]
    id: String,
    ip: IpAddr,
    v4: Option<Ipv4Addr>,
    v6: Option<Ipv6Addr>,
    seen: Option<Vec<IpAddr>>,
}

#[test]
fn live_ip_round_trip() {
    assert_eq!(
        Host::create_table_sql(),
        r#"CREATE TABLE "hosts" ("id" TEXT NOT NULL, "ip" IP NOT NULL, "v4" IP, "v6" IP, "seen" ARRAY(IP), PRIMARY KEY ("id")) WITH (number_of_replicas = '0')"#
    );
    let Some(live) = live::connect("ip") else {
        return;
    };
    live.create::<Host>();
    let v6: Ipv6Addr = "2001:db8::1".parse().expect("v6");
    let mapped = Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped();
    let gateway = Host {
        id: "gateway".into(),
        ip: IpAddr::V4(Ipv4Addr::new(192, 168, 0, 1)),
        v4: Some(Ipv4Addr::new(10, 0, 0, 254)),
        v6: Some(v6),
        seen: Some(vec![IpAddr::V6(v6), IpAddr::V6(mapped)]),
    };
    let mut s = Session::new(live.client.clone());
    s.add(gateway.clone());
    s.commit().expect("insert");

    // CrateDB answers with text, and stores an IPv4-mapped IPv6 address as the IPv4 one.
    assert_eq!(
        raw_value(&live, "hosts", "seen", &json!("gateway")),
        json!(["2001:db8::1", "10.0.0.1"])
    );

    let mut fresh = Session::new(live.client.clone());
    let h = fresh
        .find::<Host>("gateway")
        .expect("find")
        .expect("gateway");
    assert_eq!(fresh[h].ip, gateway.ip);
    assert_eq!(fresh[h].v4, gateway.v4);
    assert_eq!(fresh[h].v6, Some(v6));
    assert_eq!(
        fresh[h].seen,
        Some(vec![IpAddr::V6(v6), IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))])
    );

    // In the DSL: an IP column compares with any of the address types.
    live.refresh("hosts");
    let ids: Vec<String> = fresh
        .query::<Host>()
        .select(Host::id())
        .filter(
            Host::ip()
                .eq(Ipv4Addr::new(192, 168, 0, 1))
                .and(Host::v6().eq(v6)),
        )
        .all()
        .expect("filter by ip");
    assert_eq!(ids, vec!["gateway".to_string()]);
}

#[cfg(feature = "rust_decimal")]
mod decimal {
    use super::{live, raw_value};
    use cratedb_orm::expr::sum;
    use cratedb_orm::rust_decimal::Decimal;
    use cratedb_orm::types::Numeric;
    use cratedb_orm::{CrateModel, Session};
    use serde_json::json;
    use std::str::FromStr;

    #[derive(CrateModel, Debug, Clone, PartialEq)]
    #[cratedb(table = "accounts", number_of_replicas = "0")]
    struct Account {
        #[cratedb(primary_key)]
        id: String,
        balance: rust_decimal::Decimal,
        fee: Option<Numeric<12, 2>>,
        history: Option<Vec<Decimal>>,
        // Computed by CrateDB: the session inserts with `RETURNING` and reads it back through
        // `serde_json::Value`, a path that keeps every digit too.
        #[cratedb(generated = "balance * 2")]
        doubled: Option<Decimal>,
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).expect("decimal")
    }

    #[test]
    fn live_decimal_round_trip() {
        assert_eq!(
            Account::create_table_sql(),
            r#"CREATE TABLE "accounts" ("id" TEXT NOT NULL, "balance" NUMERIC(38, 10) NOT NULL, "fee" NUMERIC(12, 2), "history" ARRAY(NUMERIC(38, 10)), "doubled" NUMERIC(38, 10) GENERATED ALWAYS AS (balance * 2), PRIMARY KEY ("id")) WITH (number_of_replicas = '0')"#
        );
        let Some(live) = live::connect("decimal") else {
            return;
        };
        live.create::<Account>();
        // 29 significant digits: far beyond an f64's 17.
        let big = dec("1234567890123456789.0123456789");
        let mut s = Session::new(live.client.clone());
        let h = s.add(Account {
            id: "a".into(),
            balance: big,
            fee: Some(Numeric(dec("19.999"))),
            history: Some(vec![dec("0.1"), dec("-2.5")]),
            doubled: None,
        });
        s.add(Account {
            id: "b".into(),
            balance: dec("0.0000000001"),
            fee: None,
            history: None,
            doubled: None,
        });
        let pending = s.pending_statements();
        assert!(pending[0].sql.contains("RETURNING"), "{}", pending[0].sql);
        s.commit().expect("insert");
        // Read back through `RETURNING`: every digit, at the column's scale.
        let doubled = s[h].doubled.expect("generated by CrateDB");
        assert_eq!(doubled, big * Decimal::TWO);
        assert_eq!(doubled.to_string(), "2469135780246913578.0246913578");

        // CrateDB answers a JSON number with all the digits and the column's scale.
        let raw = raw_value(&live, "accounts", "balance", &json!("a"));
        assert!(raw.is_number(), "{raw}");
        assert_eq!(raw.to_string(), "1234567890123456789.0123456789");
        let raw = raw_value(&live, "accounts", "history", &json!("a"));
        assert_eq!(raw.to_string(), "[0.1000000000,-2.5000000000]");

        // By primary key, in a fresh session.
        let mut fresh = Session::new(live.client.clone());
        let a = fresh
            .find::<Account>("a")
            .expect("find")
            .expect("account a");
        assert_eq!(fresh[a].balance, big);
        assert_eq!(
            fresh[a].balance.to_string(),
            "1234567890123456789.0123456789"
        );
        assert_eq!(fresh[a].history, Some(vec![dec("0.1"), dec("-2.5")]));
        // NUMERIC(12, 2): CrateDB rounded 19.999 half up.
        assert_eq!(
            fresh[a].fee.map(|f| f.to_string()),
            Some("20.00".to_string())
        );

        // In the DSL: compare, select and sum.
        live.refresh("accounts");
        let rich: Vec<(String, Decimal)> = fresh
            .query::<Account>()
            .select((Account::id(), Account::balance()))
            .filter(Account::balance().gt(dec("1000000000000000000.5")))
            .all()
            .expect("compare");
        assert_eq!(rich, vec![("a".to_string(), big)]);
        let total = fresh
            .query::<Account>()
            .select(sum(Account::balance()))
            .scalar()
            .expect("sum");
        assert_eq!(total, Some(dec("1234567890123456789.0123456790")));

        // An update sends the new value as a string.
        fresh[a].balance -= dec("0.0123456789");
        let pending = fresh.pending_statements();
        assert_eq!(
            pending[0].sql,
            r#"UPDATE "accounts" SET "balance" = $1 WHERE "id" = $2"#
        );
        fresh.commit().expect("update");
        assert_eq!(
            raw_value(&live, "accounts", "balance", &json!("a")).to_string(),
            "1234567890123456789.0000000000"
        );
    }
}
