//! Strongly connected components of the comparison graph (Kosaraju's algorithm, iterative).
//!
//! The graph has an edge loser → winner for every pair with `W[winner][loser] > 0`. The
//! Bradley–Terry maximum-likelihood estimate exists (and ILSR's Markov chain has a unique
//! stationary distribution) exactly when this graph is strongly connected.

/// The strongly connected components of the graph on `0..nodes` whose edges are given by
/// `edge(from, to)`. Each component lists its nodes ascending; the components come in no
/// particular order (the caller sorts them).
///
/// O(nodes²) calls of `edge`: the matrix is dense anyway.
pub fn strongly_connected(nodes: usize, edge: impl Fn(usize, usize) -> bool) -> Vec<Vec<usize>> {
    // Pass 1: depth-first search on the graph, recording nodes in order of completion.
    let mut visited = vec![false; nodes];
    let mut finished = Vec::with_capacity(nodes);
    let mut stack: Vec<(usize, usize)> = Vec::new(); // (node, next neighbour to try)
    for root in 0..nodes {
        if visited[root] {
            continue;
        }
        visited[root] = true;
        stack.push((root, 0));
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            match (next..nodes).find(|&to| !visited[to] && edge(node, to)) {
                Some(to) => {
                    top.1 = to + 1;
                    visited[to] = true;
                    stack.push((to, 0));
                }
                None => {
                    finished.push(node);
                    stack.pop();
                }
            }
        }
    }
    // Pass 2: on the reversed graph, in reverse completion order; each tree is a component.
    let mut component_of = vec![usize::MAX; nodes];
    let mut components: Vec<Vec<usize>> = Vec::new();
    let mut todo: Vec<usize> = Vec::new();
    for &root in finished.iter().rev() {
        if component_of[root] != usize::MAX {
            continue;
        }
        let id = components.len();
        let mut members = Vec::new();
        component_of[root] = id;
        todo.push(root);
        while let Some(node) = todo.pop() {
            members.push(node);
            for (from, slot) in component_of.iter_mut().enumerate() {
                if *slot == usize::MAX && edge(from, node) {
                    *slot = id;
                    todo.push(from);
                }
            }
        }
        members.sort_unstable();
        components.push(members);
    }
    components
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sccs(nodes: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
        let mut components = strongly_connected(nodes, |from, to| edges.contains(&(from, to)));
        components.sort();
        components
    }

    #[test]
    fn a_cycle_is_one_component() {
        assert_eq!(sccs(3, &[(0, 1), (1, 2), (2, 0)]), [vec![0, 1, 2]]);
    }

    #[test]
    fn a_chain_is_singletons() {
        assert_eq!(sccs(3, &[(0, 1), (1, 2)]), [vec![0], vec![1], vec![2]]);
    }

    #[test]
    fn two_cycles_joined_one_way() {
        // {0, 1} ⇄, {2, 3, 4} cycle, 1 → 2 only; 5 isolated.
        let edges = [(0, 1), (1, 0), (2, 3), (3, 4), (4, 2), (1, 2)];
        assert_eq!(sccs(6, &edges), [vec![0, 1], vec![2, 3, 4], vec![5]]);
    }

    #[test]
    fn a_long_path_does_not_overflow_the_stack() {
        let n = 3_000;
        let components = strongly_connected(n, |from, to| to == (from + 1) % n);
        assert_eq!(components.len(), 1);
        assert_eq!(components[0].len(), n);
    }
}
