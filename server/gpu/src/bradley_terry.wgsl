// Kernel `bradley_terry_batch` (contract: podium-compute, kernels/bradley_terry.rs), one MM
// step for every replicate at once. `REAL` is f64 where the adapter has SHADER_F64 and f32
// elsewhere (the host code substitutes it). `bt_step`: invocation (b, i) sums model i's pairs,
// N_p / (π_i + π_other), and sets π_i = W_i / that sum. No normalisation here: MM is
// scale-equivariant, and the host re-centres log π at every readback (Vulkan has no f64
// logarithm anyway).

struct Params {
    n: u32,
    pairs: u32,
    replicates: u32,
    prior: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
// Model i's incident pairs are entries offsets[i]..offsets[i + 1] of `incident` (the pair) and
// `other` (the opponent).
@group(0) @binding(1) var<storage, read> offsets: array<u32>;
@group(0) @binding(2) var<storage, read> incident: array<u32>;
@group(0) @binding(3) var<storage, read> other: array<u32>;
// replicates × pairs × 2.
@group(0) @binding(4) var<storage, read> wins: array<REAL>;
// replicates × n: W_i.
@group(0) @binding(5) var<storage, read> totals: array<REAL>;
@group(0) @binding(6) var<storage, read> pi_in: array<REAL>;
@group(0) @binding(7) var<storage, read_write> pi_out: array<REAL>;

@compute @workgroup_size(256)
fn bt_step(@builtin(global_invocation_id) gid: vec3<u32>) {
    let n = params.n;
    let cell = gid.x;
    if (cell >= n * params.replicates) {
        return;
    }
    let b = cell / n;
    let i = cell % n;
    let own = pi_in[cell];
    let prior2 = REAL(2.0) * REAL(params.prior);
    var den = REAL(0.0);
    for (var e: u32 = offsets[i]; e < offsets[i + 1u]; e = e + 1u) {
        let p = incident[e];
        let w = (b * params.pairs + p) * 2u;
        let games = wins[w] + wins[w + 1u] + prior2;
        den = den + games / (own + pi_in[b * n + other[e]]);
    }
    pi_out[cell] = totals[cell] / den;
}
