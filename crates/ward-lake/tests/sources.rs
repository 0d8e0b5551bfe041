//! The file source on any bytes: it never panics, every line of JSON lines reaches the flow with
//! its number, and a JSON array gives its objects; what it cannot read is an error naming where.

use proptest::prelude::*;
use ward_core::records::{FileLocation, RecordSource, SourceBatch};
use ward_lake::{FileSource, S3Options};

/// Everything a source gives for `bytes` in a file: the batches, or the first error.
fn read(bytes: &[u8]) -> Result<Vec<SourceBatch>, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input");
    std::fs::write(&path, bytes).unwrap();
    let location = FileLocation::Local(path.display().to_string());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut source = FileSource::open(&location, &S3Options::default())
            .await
            .map_err(|error| error.to_string())?;
        let mut batches = Vec::new();
        while let Some(batch) = source
            .next_batch()
            .await
            .map_err(|error| error.to_string())?
        {
            batches.push(batch);
        }
        Ok(batches)
    })
}

#[test]
fn json_lines_come_whole_with_their_line_numbers() {
    let text: String = (1..=12_000)
        .map(|id| format!("{{\"ID\": {id}}}\n"))
        .collect();
    let batches = read(text.as_bytes()).unwrap();
    let mut next_line = 1;
    for batch in &batches {
        let SourceBatch::Lines { text, first_line } = batch else {
            panic!("JSON lines come as lines");
        };
        assert_eq!(*first_line, next_line);
        assert!(text.ends_with('\n'), "a batch holds whole lines");
        next_line += text.lines().count() as u64;
    }
    assert_eq!(next_line, 12_001);
    assert_eq!(batches.len(), 3, "5,000 lines a batch");
}

#[test]
fn a_json_array_gives_its_objects_and_names_an_item_that_is_not_one() {
    let batches = read(br#"  [{"ID": 1}, {"ID": 2}]"#).unwrap();
    assert!(matches!(&batches[..], [SourceBatch::Records(records)] if records.len() == 2));
    let error = read(br#"[{"ID": 1}, 7]"#).unwrap_err();
    assert!(
        error.ends_with("item 2: not an object but a number"),
        "{error}"
    );
    let error = read(b"[{\"ID\": 1},").unwrap_err();
    assert!(error.contains("not a JSON array of objects"), "{error}");
}

#[test]
fn a_missing_file_is_named() {
    let location = FileLocation::Local("no/such/file.jsonl".into());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let error = runtime
        .block_on(FileSource::open(&location, &S3Options::default()))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("cannot read no/such/file.jsonl"),
        "{error}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any bytes: an answer, never a panic; lines are handed over whole, none lost.
    #[test]
    fn any_bytes_are_read_or_refused(bytes in proptest::collection::vec(
        prop_oneof![Just(b'\n'), Just(b'['), Just(b'{'), Just(b'}'), Just(b'"'), any::<u8>()],
        0..400,
    )) {
        if let Ok(batches) = read(&bytes) {
            let text = String::from_utf8_lossy(&bytes);
            if !text.trim_start().starts_with('[') {
                let lines: usize = batches
                    .iter()
                    .map(|batch| match batch {
                        SourceBatch::Lines { text, .. } => text.lines().count(),
                        SourceBatch::Records(records) => records.len(),
                    })
                    .sum();
                prop_assert_eq!(lines, text.lines().count());
            }
        }
    }
}
