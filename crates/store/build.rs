// `sqlx::migrate!` embeds the migrations when the crate is compiled, and on
// stable Rust cannot tell cargo to watch their directories: a migration
// added since the last build would be left out of the binary.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
