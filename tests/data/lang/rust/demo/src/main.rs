// Demo program for moat's Rust cataloger tests: two crates.io dependencies.
fn main() {
    let v = semver::Version::parse("1.2.3").unwrap();
    let mut buf = itoa::Buffer::new();
    println!("{} {}", v, buf.format(v.major));
}
