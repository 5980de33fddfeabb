//! Which models a maximum-likelihood fit can score: strongly connected components of the
//! "beaten by" graph.
//!
//! The Bradley–Terry estimate (and the stationary distribution of rank centrality) exists
//! exactly when the directed graph with an edge loser → winner for every pair with a win (a tie
//! counts both ways) is strongly connected; a model that never lost has strength +∞. The fits
//! therefore run on one strongly connected component and leave every other model unscored.
//!
//! Tarjan's algorithm, iterative (no recursion depth limit), on adjacency lists built from the
//! pair tally: O(models + pairs), so it scales with the data, not with models².

/// The strongly connected components of the directed graph on `0..nodes` with `edges`
/// (from, to). Each component lists its nodes ascending.
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
}
