//! Release-mode timing of `anchor_bt` with style control on 1,000,000 comparisons, each with
//! style metadata (the cost of reading `metadata.style`). Ignored by default; run with
//! `cargo test --release -p podium-anchor --test timing -- --ignored --nocapture`.

mod common;

use std::time::Instant;

use common::*;
use podium_anchor::data::parse_style;
use podium_synth::SplitMix64;

#[test]
#[ignore = "timing; run in release mode"]
fn anchor_bt_style_control_on_a_million_rows() {
    let (models, prompts, rows) = (20u32, 5_000u32, 1_000_000usize);
    let mut data = Fixture::numbered(models as usize, prompts as usize);
    let mut rng = SplitMix64::new(7);
    for r in 0..rows {
        let a = (rng.next_u64() % models as u64) as u32;
        let b = (a + 1 + (rng.next_u64() % (models as u64 - 1)) as u32) % models;
        let (ta, tb) = (
            (400.0 + 100.0 * a as f64 * rng.uniform(0.5, 1.5)).round(),
            (400.0 + 100.0 * b as f64 * rng.uniform(0.5, 1.5)).round(),
        );
        let latent =
            (a as f64 - b as f64) / 10.0 + 0.5 * (ta - tb) / (ta + tb) + logistic(&mut rng);
        let mut row = game(a, b, r as u32 % prompts, five_level(latent), r as i64);
        row.metadata = format!(
            r#"{{"judge": "gpt-4.1", "style": {{"model_a": {{"tokens": {ta}, "headers": {}, "lists": {}, "bold": {}}}, "model_b": {{"tokens": {tb}, "headers": {}, "lists": {}, "bold": {}}}}}}}"#,
            r % 3,
            r % 5,
            r % 7,
            (r + 1) % 3,
            (r + 2) % 5,
            (r + 3) % 7
        );
        data.push(row);
    }
    // Reading the style alone, every row.
    let start = Instant::now();
    let mut styled = 0;
    for (r, row) in data.comparisons.iter().enumerate() {
        styled += usize::from(parse_style(r, &row.metadata).unwrap().is_some());
    }
    assert_eq!(styled, rows);
    println!(
        "parse_style on {rows} rows: {:.3} s",
        start.elapsed().as_secs_f64()
    );
    let plugin = plugin();
    for params in [
        r#"{"anchor": "m00"}"#,
        r#"{"anchor": "m00", "style_control": true}"#,
    ] {
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let start = Instant::now();
            let call = plugin.run("anchor_bt", &data, params);
            best = best.min(start.elapsed().as_secs_f64());
            assert_eq!(call.all_scores().len(), models as usize);
        }
        println!("anchor_bt {params} on {rows} rows: best of 3 {best:.3} s");
    }
}
