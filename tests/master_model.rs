//! The master's supervision logic under a model: workers are threads,
//! a crasher kills them at moments the scheduler picks, and the master
//! is given reloads and stops meanwhile (`proclab::check::master`).
//! std: many real interleavings; shuttle: random and PCT schedules.
//! Not loom: a scenario has up to seven threads.

#![cfg(not(loom))]

use proclab::check::master::{supervise, Order};
use proclab::sync::model::Model;

#[test]
fn crashed_workers_are_replaced_until_quit() {
    Model::new("master: crashes, then QUIT").check(|| supervise(2, 2, &[Order::Quit]));
}

#[test]
fn a_reload_replaces_the_generation() {
    Model::new("master: reload under crashes, then QUIT")
        .check(|| supervise(2, 1, &[Order::Reload, Order::Quit]));
}

#[test]
fn terminate_after_reload() {
    Model::new("master: reload, then TERM, under crashes")
        .check(|| supervise(2, 2, &[Order::Reload, Order::Terminate]));
}

#[test]
fn three_workers_two_reloads() {
    Model::new("master: two reloads, three workers")
        .check(|| supervise(3, 2, &[Order::Reload, Order::Reload, Order::Quit]));
}
