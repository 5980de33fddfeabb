//! Shared by the integration tests: the SDK's fake host (`podium_plugin_api::testing`, which
//! calls the plugin's raw C entry exactly as the server does) and what is specific to
//! `onebench`: running it with its own checks, W as the plugin builds it, and the likelihood
//! residual.

#![allow(unsafe_code, dead_code)]

use podium_plugin_api::sdk::{Dataset, Host};
// Not every test file uses every name.
#[allow(unused_imports)]
pub use podium_plugin_api::testing::{
    BOTH_BAD, Call, Fixture, Plugin, TIE, WIN_A, WIN_B, centred, max_abs_diff,
};

/// The plugin, reached through its C entry.
pub fn plugin() -> Plugin {
    Plugin::new(podium_onebench::podium_plugin_v1)
}

/// `onebench` on a [`Fixture`].
pub trait OneBench {
    /// W as the plugin builds it (through its public `matrix::build`), over all models of the
    /// fixture: `w[i][j]` = how much model i beat model j.
    fn w(&self, params: &str) -> Vec<Vec<f64>>;

    /// Runs `onebench` with `params` through the raw entry points.
    fn run(&self, params: &str) -> Call;

    /// As [`OneBench::run`], with the host answering "cancelled" from poll `cancel_from` on.
    fn run_with(&self, params: &str, cancel_from: Option<usize>) -> Call;
}

impl OneBench for Fixture {
    fn w(&self, params: &str) -> Vec<Vec<f64>> {
        let serde_json::Value::Object(map) = serde_json::from_str(params).unwrap() else {
            panic!("params must be an object");
        };
        let params = podium_onebench::params::OneBenchParams::parse(&map).unwrap();
        self.with_view(|raw| {
            let data = unsafe { Dataset::from_raw(raw) };
            let pairs =
                podium_onebench::matrix::build(&Host::detached(), &data, &params, 1.0).unwrap();
            let k = pairs.size();
            let n = self.models.len();
            let mut w = vec![vec![0.0; n]; n];
            for (i, &mi) in pairs.models.iter().enumerate() {
                for (j, &mj) in pairs.models.iter().enumerate() {
                    w[mi][mj] = pairs.w[i * k + j];
                }
            }
            w
        })
    }

    fn run(&self, params: &str) -> Call {
        self.run_with(params, None)
    }

    fn run_with(&self, params: &str, cancel_from: Option<usize>) -> Call {
        let call = plugin().run_with("onebench", self, params, 42, cancel_from);
        assert!(call.order.is_empty(), "onebench orders by score");
        assert!(
            call.low.iter().chain(&call.high).all(|x| x.is_nan()),
            "no intervals"
        );
        call
    }
}

/// How far θ is from satisfying the Bradley–Terry likelihood equations for W:
/// `max_i |Σ_j W_ij − Σ_j (W_ij + W_ji) σ(θ_i − θ_j)|`, over the models in `fitted`.
pub fn mle_residual(w: &[Vec<f64>], theta: &[Option<f64>]) -> f64 {
    let fitted: Vec<usize> = (0..theta.len()).filter(|&i| theta[i].is_some()).collect();
    let mut worst = 0.0_f64;
    for &i in &fitted {
        let (mut wins, mut expected) = (0.0, 0.0);
        for &j in &fitted {
            if i == j {
                continue;
            }
            let (ti, tj) = (theta[i].unwrap(), theta[j].unwrap());
            wins += w[i][j];
            expected += (w[i][j] + w[j][i]) / (1.0 + (tj - ti).exp());
        }
        worst = worst.max((wins - expected).abs());
    }
    worst
}
