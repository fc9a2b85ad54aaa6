//! The tutorial (not written yet).
fn main() {
    println!("The tutorial is not written yet.");
}
