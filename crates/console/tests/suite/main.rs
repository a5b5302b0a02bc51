//! The console's integration tests, in one test binary: the console served
//! over real HTTP in front of the admin API and a running node (`common`),
//! driven as a browser would: log-in, sessions and CSRF, every page in each
//! language, the fix flow from the dashboard to the applied fix, and
//! draining a node from the Nodes page.

mod common;

mod fix_flow;
mod log_in;
mod nodes_page;
mod organisations;
mod pages;
