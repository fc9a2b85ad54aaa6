//! The fleet-tracking models of the cross-table tests: devices (with a parent device),
//! readings partitioned by day, alerts. A device has many alerts and readings.
#![allow(dead_code)]

use cratedb_orm::{alias, CrateModel, Object, TimestampTz};

/// A device; `parent_id` names another device (a gateway).
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(
    table = "devices",
    number_of_replicas = 0,
    has_many(child = Alert, key = "device_id")
)]
pub struct Device {
    #[cratedb(primary_key)]
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub tags: Option<Object>,
}

/// A reading of a device, partitioned by day.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(
    table = "readings",
    partitioned_by("day"),
    number_of_replicas = 0,
    belongs_to(parent = Device, key = "device_id")
)]
pub struct Reading {
    #[cratedb(primary_key)]
    pub device_id: String,
    #[cratedb(primary_key)]
    pub ts: TimestampTz,
    #[cratedb(primary_key, generated = "date_trunc('day', ts)")]
    pub day: Option<TimestampTz>,
    pub temp: f64,
}

/// An alert of a device.
#[derive(CrateModel, Debug, Clone, Default, PartialEq)]
#[cratedb(table = "alerts", number_of_replicas = 0)]
pub struct Alert {
    #[cratedb(primary_key)]
    pub id: String,
    pub device_id: String,
    pub severity: i32,
    pub message: String,
}

alias!(pub Gateway = Device as "gateway");
alias!(pub Recent = Reading as "recent");
