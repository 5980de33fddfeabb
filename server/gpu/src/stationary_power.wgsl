// One step of kernel `stationary_power` (contract: src/kernels/stationary.rs):
// next[j] = Σ_i pi[i] · C[i][j] in f32. Invocation j owns column j; a workgroup stages 256
// entries of pi at a time in shared memory, and neighbouring invocations read neighbouring
// columns of one row, so every matrix read is coalesced.

struct Params {
    n: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> matrix: array<f32>;
@group(0) @binding(2) var<storage, read> pi_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> pi_out: array<f32>;

var<workgroup> tile: array<f32, 256>;

@compute @workgroup_size(256)
fn power_step(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
) {
    let n = params.n;
    let j = gid.x;
    var acc: f32 = 0.0;
    for (var base: u32 = 0u; base < n; base = base + 256u) {
        let i = base + lid.x;
        var v: f32 = 0.0;
        if (i < n) {
            v = pi_in[i];
        }
        tile[lid.x] = v;
        workgroupBarrier();
        if (j < n) {
            let rows = min(256u, n - base);
            for (var k: u32 = 0u; k < rows; k = k + 1u) {
                acc = acc + tile[k] * matrix[(base + k) * n + j];
            }
        }
        workgroupBarrier();
    }
    if (j < n) {
        pi_out[j] = acc;
    }
}
