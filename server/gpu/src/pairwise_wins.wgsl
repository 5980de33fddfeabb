// Kernel `pairwise_wins` (contract: src/kernels/pairwise_wins.rs). One invocation per ordered
// pair (i, j): it walks the samples of this chunk and adds the multiplicity of every sample
// that ranks i above j (wins) or equal to j (ties). Integers only, so the result is exact.

struct Params {
    n: u32,
    samples: u32,
    pad0: u32,
    pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// samples × n: rank + 1 of model m on sample s, 0 when s does not measure m.
@group(0) @binding(1) var<storage, read> ranks: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<u32>;
@group(0) @binding(3) var<storage, read_write> wins: array<u32>;
@group(0) @binding(4) var<storage, read_write> ties: array<u32>;

@compute @workgroup_size(16, 16)
fn pairwise_wins(@builtin(global_invocation_id) id: vec3<u32>) {
    let n = params.n;
    let j = id.x;
    let i = id.y;
    if (i >= n || j >= n || i == j) {
        return;
    }
    var won: u32 = 0u;
    var tied: u32 = 0u;
    for (var s: u32 = 0u; s < params.samples; s = s + 1u) {
        let ri = ranks[s * n + i];
        let rj = ranks[s * n + j];
        let both = ri != 0u && rj != 0u;
        let w = weights[s];
        won = won + select(0u, w, both && ri > rj);
        tied = tied + select(0u, w, both && ri == rj);
    }
    let cell = i * n + j;
    wins[cell] = wins[cell] + won;
    ties[cell] = ties[cell] + tied;
}
