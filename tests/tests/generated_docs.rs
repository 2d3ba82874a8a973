//! The committed completions and man pages match the clap definitions.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for dir in ["completions", "man"] {
        let Ok(entries) = fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("readable dir entry").path();
            let name = format!(
                "{dir}/{}",
                path.file_name().expect("file name").to_string_lossy()
            );
            files.insert(name, fs::read(&path).expect("readable file"));
        }
    }
    files
}

#[test]
fn generated_docs_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let fresh = tempfile::tempdir().expect("temp dir");
    corebox_tests::generate(fresh.path()).expect("generate");
    let committed = snapshot(&root);
    let expected = snapshot(fresh.path());
    let stale: Vec<&String> = expected
        .keys()
        .chain(committed.keys())
        .filter(|name| committed.get(*name) != expected.get(*name))
        .collect();
    assert!(
        stale.is_empty(),
        "generated docs are stale ({stale:?}): run cargo run -p corebox-tests --bin corebox-gen"
    );
    assert!(
        expected.contains_key("man/corebox.1"),
        "{:?}",
        expected.keys()
    );
    assert!(expected.contains_key("completions/corebox.bash"));
}
