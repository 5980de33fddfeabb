//! The committed C header is exactly what cbindgen generates from `src/abi.rs`, and a C compiler
//! agrees with Rust on the size and field offsets of every ABI struct.

use std::path::{Path, PathBuf};
use std::process::Command;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generate() -> String {
    let config =
        cbindgen::Config::from_file(crate_dir().join("cbindgen.toml")).expect("read cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir())
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn committed_header_matches_the_abi() {
    let path = crate_dir().join("include/podium_plugin.h");
    let fresh = generate();
    if std::env::var_os("PODIUM_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("write the header");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/podium_plugin.h differs from what src/abi.rs generates; regenerate it with \
         `PODIUM_BLESS=1 cargo test -p podium-plugin-api --test header` and commit it"
    );
}

/// `offsetof`/`sizeof` checks, compiled by the system C compiler against the committed header.
#[test]
fn c_compiler_agrees_on_layout() {
    use podium_plugin_api::abi::*;
    use std::mem::{offset_of, size_of};
    macro_rules! checks {
        ($($ty:ident { $($field:ident),* }),* $(,)?) => {{
            let mut c = String::new();
            $(
                c += &format!("_Static_assert(sizeof({}) == {}, \"size of {}\");\n",
                              stringify!($ty), size_of::<$ty>(), stringify!($ty));
                $(
                    c += &format!(
                        "_Static_assert(offsetof({}, {}) == {}, \"{}.{}\");\n",
                        stringify!($ty), stringify!($field), offset_of!($ty, $field),
                        stringify!($ty), stringify!($field));
                )*
            )*
            c
        }};
    }
    let asserts = checks!(
        PodiumStr { ptr, len },
        PodiumDataset {
            struct_size,
            model_count,
            model_names,
            model_metadata,
            benchmark_count,
            benchmark_names,
            benchmark_metric_kinds,
            sample_count,
            sample_ids,
            sample_benchmarks,
            sample_metadata,
            measurement_count,
            measurement_models,
            measurement_samples,
            measurement_values,
            comparison_count,
            comparison_models_a,
            comparison_models_b,
            comparison_samples,
            comparison_winners,
            comparison_strengths,
            comparison_weights,
            comparison_timestamps_ms,
            comparison_judges,
            comparison_metadata,
            judge_count,
            judge_names
        },
        PodiumResults {
            struct_size,
            model_count,
            scores,
            valid,
            interval_low,
            interval_high,
            order,
            order_len
        },
        PodiumHost {
            struct_size,
            ctx,
            log,
            progress,
            cancelled,
            emit_extra,
            set_error,
            pairwise_wins,
            stationary_power,
            bradley_terry_batch
        },
        PodiumBtBatch {
            struct_size,
            model_count,
            pair_count,
            pairs,
            replicate_count,
            wins,
            prior,
            tolerance,
            max_iterations
        },
        PodiumRankedSamples {
            struct_size,
            sample_count,
            offsets,
            entry_count,
            models,
            ranks,
            weights
        },
        PodiumKernelReport {
            struct_size,
            device,
            iterations,
            change,
            converged
        },
        PodiumMethodInfo {
            struct_size,
            id,
            description,
            params_schema,
            flags,
            run
        },
        PodiumPluginDescriptor {
            abi_major,
            abi_minor,
            struct_size,
            name,
            version,
            method_count,
            methods
        },
    );
    let source = format!(
        "#include <stddef.h>\n#include \"podium_plugin.h\"\n{asserts}\
         _Static_assert(sizeof(PodiumStatus) == 4, \"status is 32 bits\");\n"
    );
    let dir = std::env::temp_dir().join(format!("podium-abi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("layout.c");
    std::fs::write(&file, source).unwrap();
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let output = Command::new(&compiler)
        .args(["-std=c11", "-Wall", "-Werror", "-fsyntax-only", "-I"])
        .arg(crate_dir().join("include"))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("the C compiler {compiler:?} must be installed: {e}"));
    let _ = std::fs::remove_dir_all(Path::new(&dir));
    assert!(
        output.status.success(),
        "C and Rust disagree on the ABI layout:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
