//! Aggregates against a real CrateDB (`CRATEDB_URL`): count, count(DISTINCT), sum, avg, min,
//! max over columns and object keys, GROUP BY with HAVING, ordering by an aggregate, and what
//! they give on no rows.

mod live;

use cratedb_orm::expr::{avg, count, count_distinct, count_star, max, min, sum};
use cratedb_orm::write::insert_many;
use cratedb_orm::{object, CrateModel, Object, Session};

#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "sales", number_of_shards = 3, number_of_replicas = "0")]
struct Sale {
    #[cratedb(primary_key)]
    id: i64,
    region: String,
    product: Option<String>,
    units: i32,
    price: f64,
    extra: Option<Object>,
}

fn sales() -> Vec<Sale> {
    let rows = [
        ("north", Some("towel"), 3, 9.5),
        ("north", Some("tea"), 1, 2.25),
        ("north", None, 7, 1.0),
        ("south", Some("towel"), 10, 9.5),
        ("south", Some("towel"), 2, 8.0),
        ("east", Some("gin"), 4, 20.0),
    ];
    rows.iter()
        .enumerate()
        .map(|(i, &(region, product, units, price))| Sale {
            id: i as i64 + 1,
            region: region.into(),
            product: product.map(str::to_string),
            units,
            price,
            extra: Some(object! { "weight": units * 2 }),
        })
        .collect()
}

#[test]
fn live_aggregates_group_by_and_having() {
    let Some(live) = live::connect("aggregates") else {
        return;
    };
    live.create::<Sale>();
    let mut rows = sales();
    insert_many(&mut rows)
        .execute(&live.client)
        .expect("insert");
    live.refresh("sales");
    let mut s = Session::new(live.client.clone());

    assert_eq!(s.query::<Sale>().count().expect("count()"), 6);
    let counts: (i64, i64, i64, i64) = s
        .query::<Sale>()
        .select((
            count_star(),
            count(Sale::product()),
            count_distinct(Sale::region()),
            count_distinct(Sale::product()),
        ))
        .one()
        .expect("counts");
    assert_eq!(counts, (6, 5, 3, 3), "count(product) skips NULL");

    let totals = s
        .query::<Sale>()
        .select((
            sum(Sale::units()),
            sum(Sale::price()),
            avg(Sale::units()),
            min(Sale::units()),
            max(Sale::units()),
        ))
        .one()
        .expect("totals");
    assert_eq!(
        totals,
        (Some(27), Some(50.25), Some(4.5), Some(1), Some(10))
    );

    // An object key in an aggregate.
    let weight: Option<i64> = s
        .query::<Sale>()
        .select(sum(Sale::extra().key_as::<i64>("weight")))
        .scalar()
        .expect("sum of an object key");
    assert_eq!(weight, Some(54));

    // GROUP BY with HAVING, ordered by an aggregate.
    let groups: Vec<(String, i64, Option<i64>)> = s
        .query::<Sale>()
        .select((Sale::region(), count_star(), sum(Sale::units())))
        .group_by(Sale::region())
        .having(count_star().gt(1))
        .order_by(sum(Sale::units()).desc())
        .all()
        .expect("group by");
    assert_eq!(
        groups,
        vec![("south".into(), 2, Some(12)), ("north".into(), 3, Some(11))]
    );
    let by_product: Vec<(Option<String>, Option<f64>)> = s
        .query::<Sale>()
        .select((Sale::product(), max(Sale::price())))
        .filter(Sale::units().ge(2))
        .group_by(Sale::product())
        .order_by(Sale::product().asc().nulls_first())
        .all()
        .expect("group by a nullable column");
    assert_eq!(
        by_product,
        vec![
            (None, Some(1.0)),
            (Some("gin".into()), Some(20.0)),
            (Some("towel".into()), Some(9.5)),
        ]
    );

    // On no rows: count is 0, the others NULL.
    let empty: (i64, Option<i64>, Option<f64>, Option<i32>) = s
        .query::<Sale>()
        .select((
            count_star(),
            sum(Sale::units()),
            avg(Sale::price()),
            max(Sale::units()),
        ))
        .filter(Sale::region().eq("nowhere"))
        .one()
        .expect("aggregates of nothing");
    assert_eq!(empty, (0, None, None, None));
}
