//! Strongly connected components of a directed graph given as an edge list: which models a
//! maximum-likelihood Bradley–Terry (or Plackett–Luce, rank centrality) fit can score.
//!
//! The estimate exists exactly when the "beaten by" graph — an edge loser → winner for every
//! pair with a win, a tie counting both ways — is strongly connected (Zermelo, Ford); a model
//! that only won (lost) against a group, directly or transitively, has strength +∞ (−∞). The
//! plugins therefore fit one component and leave the other models unscored, detected here from
//! the graph rather than from huge numbers after a fit.
//!
//! Why it is shaped so: one algorithm (Tarjan's) on compressed adjacency lists built from the
//! edge list, O(nodes + edges), so it scales with the comparisons rather than with models²;
//! iterative, with an explicit call stack, so a long chain of models cannot overflow the
//! thread's stack. [`strongly_connected`] lists the components; [`component_ids`] is the
//! adapter for callers that only ask "same component?", [`dense_edges`] the one for callers
//! holding a dense matrix.

/// The strongly connected components of the directed graph on `0..nodes` with `edges`
/// (from, to). Each component lists its nodes ascending; the components come in Tarjan's
/// order (reverse topological), which callers should not rely on beyond determinism.
pub fn strongly_connected(nodes: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut start = vec![0usize; nodes + 1];
    for &(from, _) in edges {
        start[from + 1] += 1;
    }
    for v in 0..nodes {
        start[v + 1] += start[v];
    }
    let mut next = start.clone();
    let mut targets = vec![0usize; edges.len()];
    for &(from, to) in edges {
        targets[next[from]] = to;
        next[from] += 1;
    }

    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; nodes];
    let mut low = vec![0usize; nodes];
    let mut on_stack = vec![false; nodes];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut counter = 0;
    // (node, position in its adjacency list)
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for root in 0..nodes {
        if index[root] != UNSEEN {
            continue;
        }
        calls.push((root, start[root]));
        index[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut at)) = calls.last_mut() {
            if *at < start[v + 1] {
                let w = targets[*at];
                *at += 1;
                if index[w] == UNSEEN {
                    index[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, start[w]));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                component.sort_unstable();
                components.push(component);
            }
        }
    }
    components
}

/// The edge list (from, to) of the graph on `0..nodes` whose edges are given by the dense
/// predicate `edge(from, to)`, for callers that hold a dense matrix (O(nodes²) calls).
pub fn dense_edges(nodes: usize, edge: impl Fn(usize, usize) -> bool) -> Vec<(usize, usize)> {
    let mut edges = Vec::new();
    for from in 0..nodes {
        for to in 0..nodes {
            if edge(from, to) {
                edges.push((from, to));
            }
        }
    }
    edges
}

/// The component of each node (numbered `0..count` in [`strongly_connected`]'s order) of the
/// directed graph on `nodes` nodes with `edges` (from, to), and `count`.
pub fn component_ids(nodes: usize, edges: &[(usize, usize)]) -> (Vec<usize>, usize) {
    let components = strongly_connected(nodes, edges);
    let mut id = vec![usize::MAX; nodes];
    for (c, members) in components.iter().enumerate() {
        for &node in members {
            id[node] = c;
        }
    }
    (id, components.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut components: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
        components.sort();
        components
    }

    #[test]
    fn cycles_and_a_sink() {
        // 0 → 1 → 2 → 0 is one component; 3 → 0 only; 4 alone; 5 ⇄ 6.
        let edges = [(0, 1), (1, 2), (2, 0), (3, 0), (5, 6), (6, 5)];
        assert_eq!(
            sorted(strongly_connected(7, &edges)),
            vec![vec![0, 1, 2], vec![3], vec![4], vec![5, 6]]
        );
    }

    #[test]
    fn a_long_chain_needs_no_recursion() {
        let n = 200_000;
        let mut edges: Vec<(usize, usize)> = (0..n - 1).map(|v| (v, v + 1)).collect();
        edges.push((n - 1, 0));
        let components = strongly_connected(n, &edges);
        assert_eq!(components.len(), 1);
        assert_eq!(components[0].len(), n);
    }

    #[test]
    fn a_cycle_is_one_component() {
        assert_eq!(
            sorted(strongly_connected(3, &[(0, 1), (1, 2), (2, 0)])),
            [vec![0, 1, 2]]
        );
    }

    #[test]
    fn a_chain_is_singletons() {
        assert_eq!(
            sorted(strongly_connected(3, &[(0, 1), (1, 2)])),
            [vec![0], vec![1], vec![2]]
        );
    }

    #[test]
    fn two_cycles_joined_one_way() {
        // {0, 1} ⇄, {2, 3, 4} cycle, 1 → 2 only; 5 isolated.
        let edges = [(0, 1), (1, 0), (2, 3), (3, 4), (4, 2), (1, 2)];
        assert_eq!(
            sorted(strongly_connected(6, &edges)),
            [vec![0, 1], vec![2, 3, 4], vec![5]]
        );
    }

    #[test]
    fn a_long_dense_path_does_not_overflow_the_stack() {
        let n = 3_000;
        let edges = dense_edges(n, |from, to| to == (from + 1) % n);
        assert_eq!(edges.len(), n);
        let components = strongly_connected(n, &edges);
        assert_eq!(components.len(), 1);
        assert_eq!(components[0].len(), n);
    }

    #[test]
    fn cycle_and_tail_ids() {
        // 0 → 1 → 2 → 0 is one component; 3 only reaches it.
        let (c, count) = component_ids(4, &[(0, 1), (1, 2), (2, 0), (3, 0)]);
        assert_eq!(count, 2);
        assert!(c[0] == c[1] && c[1] == c[2] && c[3] != c[0]);
    }
}
