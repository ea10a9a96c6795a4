"""The groups on a hierarchy cycle, found in time linear in the groups (the hierarchy check)."""

from __future__ import annotations


def cycle_members(links: list[tuple[int, int | None]]) -> set[int]:
    """The groups on a parent_group_id cycle, from every (group_id, parent_group_id) link.

    Each group has at most one parent, so following parents from any group either ends (a root,
    an orphan parent) or runs into a cycle. Every group is walked once (linear in the groups,
    whatever the depth): a walk stops at a group already seen; if that group is on the walk's own
    path, the path from it onwards is a cycle.
    """
    parent = dict(links)
    state: dict[int, int] = {}  # absent: not seen; 1: on the current walk; 2: done
    on_cycles: set[int] = set()
    for start in parent:
        if start in state:
            continue
        path: list[int] = []
        node: int | None = start
        while node in parent and node not in state:
            state[node] = 1
            path.append(node)
            node = parent[node]
        if node in parent and state[node] == 1:
            on_cycles.update(path[path.index(node) :])
        for member in path:
            state[member] = 2
    return on_cycles
