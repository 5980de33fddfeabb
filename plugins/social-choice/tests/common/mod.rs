//! Shared by the integration tests: the SDK's fake host (`podium_plugin_api::testing`, which
//! calls the plugin's raw C entry exactly as the server does) and what is specific to the
//! social-choice methods: ballots, running a method with its own checks, the order as names
//! and the `social_choice` extra.

#![allow(dead_code)]

// Not every test file uses every name.
#[allow(unused_imports)]
pub use podium_plugin_api::testing::{BOTH_BAD, Call, Fixture, Plugin, TIE, WIN_A, WIN_B};

/// The plugin, reached through its C entry.
pub fn plugin() -> Plugin {
    Plugin::new(podium_social_choice::podium_plugin_v1)
}

/// Ballots on a [`Fixture`], and running a social-choice method on it.
pub trait SocialChoice: Sized {
    /// Adds one sample (a ballot): `ranking` lists (model, value).
    fn ballot(self, ranking: &[(&str, f64)]) -> Self;

    /// Adds `count` copies of the strict ballot `order` (best first).
    fn ballots(self, count: usize, order: &[&str]) -> Self;

    /// Runs `method` with `params` through the raw entry points.
    fn run(&self, method: &str, params: &str) -> Call;

    /// As [`SocialChoice::run`], with the host answering "cancelled" from poll `cancel_from`
    /// on.
    fn run_with(&self, method: &str, params: &str, cancel_from: Option<usize>) -> Call;
}

impl SocialChoice for Fixture {
    fn ballot(mut self, ranking: &[(&str, f64)]) -> Fixture {
        let s = self.samples.len() as u32;
        self.samples.push(format!("s{s}"));
        self.sample_benchmarks.push(0);
        for &(model, value) in ranking {
            self = self.measure(model, s, value);
        }
        self
    }

    fn ballots(mut self, count: usize, order: &[&str]) -> Fixture {
        let ranking: Vec<(&str, f64)> = order
            .iter()
            .enumerate()
            .map(|(i, m)| (*m, (order.len() - i) as f64))
            .collect();
        for _ in 0..count {
            self = self.ballot(&ranking);
        }
        self
    }

    fn run(&self, method: &str, params: &str) -> Call {
        self.run_with(method, params, None)
    }

    fn run_with(&self, method: &str, params: &str, cancel_from: Option<usize>) -> Call {
        let call = plugin().run_with(method, self, params, 42, cancel_from);
        assert!(
            call.low.iter().chain(&call.high).all(|x| x.is_nan()),
            "no intervals"
        );
        call
    }
}

/// What a social-choice [`Call`] answers.
pub trait Ranked {
    /// The status must be OK; then the order as model names, best first.
    fn names(&self, fixture: &Fixture) -> Vec<String>;

    /// The `social_choice` extra.
    fn diag(&self) -> serde_json::Value;
}

impl Ranked for Call {
    #[track_caller]
    fn names(&self, fixture: &Fixture) -> Vec<String> {
        self.assert_ok();
        self.order
            .iter()
            .map(|&i| fixture.models[i as usize].clone())
            .collect()
    }

    #[track_caller]
    fn diag(&self) -> serde_json::Value {
        self.extra("social_choice")
            .expect("the social_choice extra")
    }
}
