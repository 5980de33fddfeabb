//! Finding units on disk, recognising formats, and naming a unit's content.

mod common;

use std::path::PathBuf;

use common::fixture;
use podium_import::{
    Format, ImportError, Options, Unit, UnitFile, detect_format, discover, unit_hash,
};

#[test]
fn the_fixture_tree_holds_one_unit_per_run_of_every_format() {
    let found = discover(&[fixture("")], None).unwrap();
    let mut formats: Vec<(Format, usize)> = found
        .units
        .iter()
        .map(|u| (u.format, u.files.len()))
        .collect();
    formats.sort_by_key(|(f, n)| (f.name(), *n));
    assert_eq!(
        formats,
        vec![
            (Format::Arena, 1),     // battle.json
            (Format::Arena, 1),     // battles.csv
            (Format::Arena, 1),     // battles.json
            (Format::Arena, 1),     // battles.jsonl
            (Format::ArenaHard, 1), // judgments_v01.jsonl
            (Format::ArenaHard, 1), // judgments_v2.jsonl
            (Format::Eee, 1),
            (Format::Helm, 3),    // run_spec, per_instance_stats, scenario
            (Format::Inspect, 1), // two_epochs.json
            (Format::LmEval, 3),  // results + two samples files
        ],
        "{:#?}",
        found.units
    );
    // The loose members of the .eval fixture are no format of their own.
    assert!(
        found
            .ignored
            .iter()
            .all(|p| p.to_string_lossy().contains("eval_members")),
        "{:?}",
        found.ignored
    );
}

#[test]
fn a_samples_file_named_alone_brings_its_run() {
    let run = fixture("lm_eval/run");
    let samples = std::fs::read_dir(&run)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("samples_")
        })
        .unwrap();
    let found = discover(&[samples], None).unwrap();
    assert_eq!(found.units.len(), 1);
    assert_eq!(found.units[0].format, Format::LmEval);
    assert_eq!(found.units[0].files.len(), 3);
    // Named twice (folder and file): still one unit.
    let found = discover(&[run.clone(), run], None).unwrap();
    assert_eq!(found.units.len(), 1);
}

#[test]
fn an_unknown_file_named_explicitly_is_an_error_but_forcing_a_format_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "hello\n").unwrap();
    let err = discover(std::slice::from_ref(&notes), None).unwrap_err();
    let ImportError::Invalid { errors, .. } = err else {
        panic!("expected a content error, got {err:?}");
    };
    assert!(errors[0].reason.contains("--format"), "{errors:?}");
    let forced = discover(&[notes], Some(Format::Arena)).unwrap();
    assert_eq!(forced.units[0].format, Format::Arena);
    // Inside a folder it is only listed as ignored.
    let found = discover(&[dir.path().to_owned()], None).unwrap();
    assert!(found.units.is_empty());
    assert_eq!(found.ignored.len(), 1);
    // A path that does not exist is an I/O error naming it.
    let missing = dir.path().join("missing");
    assert!(matches!(
        discover(&[missing], None),
        Err(ImportError::Io { path, .. }) if path.ends_with("missing")
    ));
}

#[test]
fn uploads_are_recognised_by_names_and_first_records() {
    let file = |name: &str, rel: &str| UnitFile {
        name: name.to_owned(),
        path: fixture(rel),
    };
    // Spooled under other names: the uploaded name and the content decide.
    assert_eq!(
        detect_format(&[file("x.jsonl", "arena_hard/judgments_v2.jsonl")]),
        Some(Format::ArenaHard)
    );
    assert_eq!(
        detect_format(&[file("b.csv", "arena/battles.csv")]),
        Some(Format::Arena)
    );
    assert_eq!(
        detect_format(&[file("log.json", "inspect/two_epochs.json")]),
        Some(Format::Inspect)
    );
    assert_eq!(
        detect_format(&[file("i.jsonl", "eee/instances.jsonl")]),
        Some(Format::Eee)
    );
    assert_eq!(
        detect_format(&[
            file("run_spec.json", "helm/run/run_spec.json"),
            file(
                "per_instance_stats.json",
                "helm/run/per_instance_stats.json"
            ),
        ]),
        Some(Format::Helm)
    );
    assert_eq!(
        detect_format(&[file("notes.txt", "arena/battles.csv")]),
        None
    );
}

fn single(path: PathBuf, name: &str) -> Unit {
    Unit::new(
        Format::Arena,
        "x",
        vec![UnitFile {
            name: name.to_owned(),
            path,
        }],
    )
}

#[test]
fn unit_hashes_follow_content_and_options_not_single_file_names() {
    let battles = fixture("arena/battles.jsonl");
    let a = unit_hash(
        &single(battles.clone(), "battles.jsonl"),
        &Options::default(),
    )
    .unwrap();
    let renamed = unit_hash(&single(battles.clone(), "copy.jsonl"), &Options::default()).unwrap();
    assert_eq!(a, renamed, "a renamed file is the same content");
    let other_benchmark = Options {
        benchmark: Some("other".into()),
        ..Options::default()
    };
    assert_ne!(
        a,
        unit_hash(&single(battles, "battles.jsonl"), &other_benchmark).unwrap()
    );
    let csv = unit_hash(
        &single(fixture("arena/battles.csv"), "battles.jsonl"),
        &Options::default(),
    )
    .unwrap();
    assert_ne!(a, csv);
    assert_eq!(a.len(), 64);

    // Folder units keep names: a samples file's name says its task.
    let found = discover(&[fixture("lm_eval/run")], None).unwrap();
    let unit = &found.units[0];
    let mut renamed = unit.clone();
    renamed.files[1].name = format!("x{}", renamed.files[1].name);
    assert_ne!(
        unit_hash(unit, &Options::default()).unwrap(),
        unit_hash(&renamed, &Options::default()).unwrap()
    );
}

#[test]
fn runs_of_different_times_are_not_mixed() {
    let dir = tempfile::tempdir().unwrap();
    let results = std::fs::read(
        std::fs::read_dir(fixture("lm_eval/run"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("results_")
            })
            .unwrap(),
    )
    .unwrap();
    std::fs::write(dir.path().join("results.json"), &results).unwrap();
    let line = "{\"doc_id\": 0, \"filter\": \"none\", \"metrics\": [\"exact_match\"], \"exact_match\": 1}\n";
    std::fs::write(dir.path().join("samples_trivia_mini.jsonl"), line).unwrap();
    std::fs::write(
        dir.path()
            .join("samples_trivia_mini_2024-01-01T00-00-00.000001.jsonl"),
        line,
    )
    .unwrap();
    // The untimed results file takes only the untimed samples file.
    let found = discover(&[dir.path().to_owned()], None).unwrap();
    assert_eq!(found.units.len(), 1);
    let names: Vec<&str> = found.units[0]
        .files
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["results.json", "samples_trivia_mini.jsonl"]);
    assert_eq!(found.ignored.len(), 1, "{:?}", found.ignored);

    // Put together by hand (as an upload could be), the other run's file is refused by name.
    let mut unit = found.units[0].clone();
    unit.files.push(UnitFile {
        name: "samples_trivia_mini_2024-01-01T00-00-00.000001.jsonl".into(),
        path: dir
            .path()
            .join("samples_trivia_mini_2024-01-01T00-00-00.000001.jsonl"),
    });
    let err = podium_import::read_unit(
        &unit,
        &Options::default(),
        &podium_import::Limits::default(),
        &mut podium_import::Discard,
    )
    .unwrap_err();
    let ImportError::Invalid { errors, .. } = err else {
        panic!("{err:?}");
    };
    assert_eq!(
        errors[0].file.as_deref(),
        Some("samples_trivia_mini_2024-01-01T00-00-00.000001.jsonl")
    );
    assert!(
        errors[0].reason.contains("another") || errors[0].reason.contains("run of"),
        "{errors:?}"
    );
}

#[test]
fn a_first_record_longer_than_any_line_cap_is_still_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("instances.jsonl");
    let transcript = "x".repeat(3 << 20);
    let line = format!(
        "{{\"messages\": [{{\"turn_idx\": 0, \"role\": \"user\", \"content\": \"{transcript}\"}}], \
         \"schema_version\": \"0.3.0\", \"evaluation_id\": \"e\", \"model_id\": \"m\", \"sample_id\": \"s\"}}\n"
    );
    std::fs::write(&path, line).unwrap();
    let found = discover(&[dir.path().to_owned()], None).unwrap();
    assert_eq!(found.units.len(), 1, "{:?}", found.ignored);
    assert_eq!(found.units[0].format, Format::Eee);
}

#[test]
fn judges_follow_the_name_rules_of_submissions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("battles.jsonl");
    let judge = format!("{}\u{7}", "j".repeat(10));
    std::fs::write(
        &path,
        format!(
            "{{\"model_a\": \"a\", \"model_b\": \"b\", \"winner\": \"tie\", \"judge\": {}}}\n",
            serde_json::to_string(&judge).unwrap()
        ),
    )
    .unwrap();
    let unit = single(path, "battles.jsonl");
    let err = podium_import::read_unit(
        &unit,
        &Options::default(),
        &podium_import::Limits::default(),
        &mut podium_import::Discard,
    )
    .unwrap_err();
    let ImportError::Invalid { errors, .. } = err else {
        panic!("{err:?}");
    };
    assert_eq!(errors[0].field.as_deref(), Some("judge"), "{errors:?}");
    assert_eq!(errors[0].line, 1);
}

#[test]
fn options_are_normalised_before_hashing() {
    let spaced = Options {
        model: Some("  gpt-4 ".into()),
        benchmark: Some(String::new()),
        baseline: None,
    };
    assert_eq!(
        spaced.normalized(),
        Options {
            model: Some("gpt-4".into()),
            ..Options::default()
        }
    );
}
