//! Strongly connected components of the "beaten by" graph: which models a maximum-likelihood
//! Bradley–Terry fit can score.
//!
//! The MLE is finite exactly on a strongly connected comparison graph with an edge
//! loser → winner for every comparison a model did not win outright (Zermelo, Ford): a model
//! that only won (or only lost) against the rest, directly or transitively, has its rating at
//! +∞ (−∞). Ties count as half a win each way, so a tie is an edge in both directions.
//!
//! Kosaraju's algorithm with explicit stacks (no recursion, so ten thousand models cannot
//! overflow the thread's stack), O(models + edges).

/// The component of each node (`0..count`, numbered in no particular order) of the directed
/// graph on `n` nodes with `edges` (from, to).
pub fn components(n: usize, edges: &[(usize, usize)]) -> (Vec<usize>, usize) {
    let csr = |reverse: bool| {
        let mut start = vec![0usize; n + 1];
        for &(f, t) in edges {
            start[if reverse { t } else { f } + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut to = vec![0usize; edges.len()];
        for &(f, t) in edges {
            let (f, t) = if reverse { (t, f) } else { (f, t) };
            to[fill[f]] = t;
            fill[f] += 1;
        }
        (start, to)
    };
    let (out_start, out_to) = csr(false);
    let (in_start, in_to) = csr(true);

    // Pass 1: finishing order of a depth-first search on the graph.
    let mut seen = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if seen[root] {
            continue;
        }
        seen[root] = true;
        stack.push((root, out_start[root]));
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            if next < out_start[node + 1] {
                top.1 += 1;
                let to = out_to[next];
                if !seen[to] {
                    seen[to] = true;
                    stack.push((to, out_start[to]));
                }
            } else {
                order.push(node);
                stack.pop();
            }
        }
    }
    // Pass 2: on the reversed graph, in reverse finishing order, each search is a component.
    let mut component = vec![usize::MAX; n];
    let mut count = 0;
    let mut todo = Vec::new();
    for &root in order.iter().rev() {
        if component[root] != usize::MAX {
            continue;
        }
        component[root] = count;
        todo.push(root);
        while let Some(node) = todo.pop() {
            for &from in &in_to[in_start[node]..in_start[node + 1]] {
                if component[from] == usize::MAX {
                    component[from] = count;
                    todo.push(from);
                }
            }
        }
        count += 1;
    }
    (component, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_and_tail() {
        // 0 → 1 → 2 → 0 is one component; 3 only reaches it.
        let (c, count) = components(4, &[(0, 1), (1, 2), (2, 0), (3, 0)]);
        assert_eq!(count, 2);
        assert!(c[0] == c[1] && c[1] == c[2] && c[3] != c[0]);
    }
}
